import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concat, createPublicClient, createWalletClient, http, keccak256, parseEther, parseEventLogs, toBytes, toHex, type Hex } from 'viem';
import { privateKeyToAccount, sign } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { startLocalAnvil, type LocalAnvil } from '../../../src/node/chain/localAnvil';
import { groupMessageBroadcasterAbi, groupMessageBroadcasterBytecode } from '../../../src/node/chain/contracts/GroupMessageBroadcaster';
import { nodeRegistryAbi, nodeRegistryBytecode } from '../../../src/node/chain/contracts/NodeRegistry';

/** UnsignedOriginatorEnvelope bytes: field 1 originator, 2 sequence id, 3 originator_ns (varints). */
function unsigned(originator: number, seq: number, ns: number): Hex {
  const varint = (n: number) => { const out: number[] = []; do { let b = n & 0x7f; n = Math.floor(n / 128); if (n > 0) b |= 0x80; out.push(b); } while (n > 0); return out; };
  return toHex(new Uint8Array([0x08, ...varint(originator), 0x10, ...varint(seq), 0x18, ...varint(ns)]));
}

async function originatorSignature(bytes: Hex, key: Hex): Promise<Hex> {
  const sig = await sign({ hash: keccak256(concat([toHex(toBytes('originator|')), bytes])), privateKey: key });
  return concat([sig.r, sig.s, toHex(Number(sig.yParity), { size: 1 })]);
}

describe('the network contracts on anvil', () => {
  let chain: LocalAnvil;
  beforeAll(async () => { chain = await startLocalAnvil(); });
  afterAll(async () => { await chain.stop(); });

  it('the group message broadcaster numbers payloads with one global sequence id', async () => {
    const wallet = createWalletClient({ account: privateKeyToAccount(chain.accountKeys[0]!), chain: foundry, transport: http(chain.rpcUrl) });
    const reader = createPublicClient({ chain: foundry, transport: http(chain.rpcUrl) });
    const { contractAddress } = await reader.waitForTransactionReceipt({ hash: await wallet.deployContract({ abi: groupMessageBroadcasterAbi, bytecode: groupMessageBroadcasterBytecode }) });
    const payload = toHex(new Uint8Array(100).fill(7));
    for (const group of ['0x000102030405060708090a0b0c0d0e0f', '0xf0f1f2f3f4f5f6f7f8f9fafbfcfdfeff'] as const) {
      await reader.waitForTransactionReceipt({ hash: await wallet.writeContract({ address: contractAddress!, abi: groupMessageBroadcasterAbi, functionName: 'addMessage', args: [group, payload] }) });
    }
    const events = parseEventLogs({ abi: groupMessageBroadcasterAbi, logs: await reader.getLogs({ address: contractAddress!, fromBlock: 0n }) });
    expect(events.map((e) => (e.args as { sequenceId: bigint }).sequenceId)).toEqual([1n, 2n]);
    await expect(wallet.writeContract({ address: contractAddress!, abi: groupMessageBroadcasterAbi, functionName: 'addMessage', args: ['0x000102030405060708090a0b0c0d0e0f', '0x01'] })).rejects.toThrow(/InvalidPayloadSize/);
  });

  it('anyone registers a bonded node (ids 100, 200); an equivocation proof slashes it, a same-bytes or forged proof does not', async () => {
    const deployer = createWalletClient({ account: privateKeyToAccount(chain.accountKeys[0]!), chain: foundry, transport: http(chain.rpcUrl) });
    const reader = createPublicClient({ chain: foundry, transport: http(chain.rpcUrl) });
    const { contractAddress: registry } = await reader.waitForTransactionReceipt({ hash: await deployer.deployContract({ abi: nodeRegistryAbi, bytecode: nodeRegistryBytecode, args: [parseEther('1'), 3600n, 5000] }) });
    const nodeKeys = [chain.accountKeys[1]!, chain.accountKeys[2]!];
    for (const [i, key] of nodeKeys.entries()) {
      const operator = createWalletClient({ account: privateKeyToAccount(key), chain: foundry, transport: http(chain.rpcUrl) });
      const publicKey = toHex(secp256k1.getPublicKey(toBytes(key), false));
      await reader.waitForTransactionReceipt({ hash: await operator.writeContract({ address: registry!, abi: nodeRegistryAbi, functionName: 'registerNode', args: [publicKey, `http://127.0.0.1:${5100 + i}`], value: parseEther('1') }) });
    }
    const nodes = await reader.readContract({ address: registry!, abi: nodeRegistryAbi, functionName: 'getAllNodes' });
    expect(nodes.map((n) => n.nodeId)).toEqual([100, 200]);
    await expect(deployer.writeContract({ address: registry!, abi: nodeRegistryAbi, functionName: 'registerNode', args: [toHex(secp256k1.getPublicKey(toBytes(chain.accountKeys[3]!), false)), 'http://x'], value: parseEther('0.5') })).rejects.toThrow(/BondTooSmall/);

    const reporter = createWalletClient({ account: privateKeyToAccount(chain.accountKeys[4]!), chain: foundry, transport: http(chain.rpcUrl) });
    const a = unsigned(100, 5, 1000);
    const b = unsigned(100, 5, 2000);
    const sigA = await originatorSignature(a, nodeKeys[0]!);
    // The same bytes twice are no equivocation; a "proof" signed by another node's key is forged.
    await expect(reporter.writeContract({ address: registry!, abi: nodeRegistryAbi, functionName: 'slashEquivocation', args: [a, sigA, a, sigA] })).rejects.toThrow(/NotEquivocation/);
    await expect(reporter.writeContract({ address: registry!, abi: nodeRegistryAbi, functionName: 'slashEquivocation', args: [a, sigA, b, await originatorSignature(b, nodeKeys[1]!)] })).rejects.toThrow(/BadSignature/);
    const hash = await reporter.writeContract({ address: registry!, abi: nodeRegistryAbi, functionName: 'slashEquivocation', args: [a, sigA, b, await originatorSignature(b, nodeKeys[0]!)] });
    const receipt = await reader.waitForTransactionReceipt({ hash });
    const slashed = parseEventLogs({ abi: nodeRegistryAbi, logs: receipt.logs, eventName: 'NodeSlashed' });
    expect(slashed.map((e) => [e.args.nodeId, e.args.sequenceId, e.args.reward])).toEqual([[100, 5n, parseEther('0.5')]]);
    expect((await reader.readContract({ address: registry!, abi: nodeRegistryAbi, functionName: 'getAllNodes' })).map((n) => n.nodeId)).toEqual([200]);
  });
});
