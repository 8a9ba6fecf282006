import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPublicClient, createWalletClient, http, parseEventLogs } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { startLocalAnvil, type LocalAnvil } from '../../../src/node/chain/localAnvil';
import { compileSolidity, SolidityCompileError } from '../../../scripts/contracts/compileSolidity';

const COUNTER = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;
contract Counter {
  uint64 public sequenceId;
  event Bumped(bytes16 indexed groupId, bytes message, uint64 indexed sequenceId);
  function bump(bytes16 groupId, bytes calldata message) external {
    emit Bumped(groupId, message, ++sequenceId);
  }
}`;

describe('the local chain', () => {
  const chains: LocalAnvil[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'parley-anvil-'));
  afterAll(async () => {
    await Promise.all(chains.map((c) => c.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('compiles a contract, deploys it on anvil with viem and reads its events back', async () => {
    const [counter] = compileSolidity({ 'Counter.sol': COUNTER });
    expect(counter?.name).toBe('Counter');
    const chain = await startLocalAnvil();
    chains.push(chain);
    const account = privateKeyToAccount(chain.accountKeys[0]!);
    const wallet = createWalletClient({ account, chain: foundry, transport: http(chain.rpcUrl) });
    const reader = createPublicClient({ chain: foundry, transport: http(chain.rpcUrl) });
    const deployHash = await wallet.deployContract({ abi: counter!.abi, bytecode: counter!.bytecode });
    const { contractAddress } = await reader.waitForTransactionReceipt({ hash: deployHash });
    const groupId = '0x0102030405060708090a0b0c0d0e0f10';
    for (const message of ['0xaa', '0xbbbb']) {
      const hash = await wallet.writeContract({ address: contractAddress!, abi: counter!.abi, functionName: 'bump', args: [groupId, message] });
      await reader.waitForTransactionReceipt({ hash });
    }
    const logs = await reader.getLogs({ address: contractAddress!, fromBlock: 0n });
    const events = parseEventLogs({ abi: counter!.abi as never, logs }) as unknown as { args: { message: string; sequenceId: bigint } }[];
    expect(events.map((e) => [e.args.message, e.args.sequenceId])).toEqual([['0xaa', 1n], ['0xbbbb', 2n]]);
  });

  it('keeps the chain across a restart when given a state file', async () => {
    const stateFile = join(dir, 'state.json');
    const first = await startLocalAnvil({ stateFile });
    const client1 = createPublicClient({ chain: foundry, transport: http(first.rpcUrl) });
    await client1.request({ method: 'anvil_mine' as never, params: ['0x5'] as never });
    const height = await client1.getBlockNumber();
    expect(height).toBe(5n);
    await first.stop();
    const second = await startLocalAnvil({ stateFile });
    chains.push(second);
    const client2 = createPublicClient({ chain: foundry, transport: http(second.rpcUrl) });
    expect(await client2.getBlockNumber()).toBe(height);
  });

  it('reports a Solidity error with the compiler message', () => {
    expect(() => compileSolidity({ 'Bad.sol': 'pragma solidity 0.8.37; contract Bad { function f() { } ' }))
      .toThrowError(SolidityCompileError);
  });
});
