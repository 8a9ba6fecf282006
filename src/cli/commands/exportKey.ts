import { openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { WALLET_FILE } from '../../agent/agentClient';
import { securePrivateDir } from '../../agent/privateDataDir';
import { readWalletFile } from '../../agent/walletFile';
import { ParleyError } from '../../core/errors';
import type { CommandContext } from './context';

/**
 * `parley export-key --out FILE`: the wallet key into a new file only its owner can read
 * (created 0600, never over an existing file), so that the identity can move to another
 * machine or wallet. The key is never printed: terminals and logs keep what they show. Reads
 * the wallet file alone, so it works while a listener holds the store.
 */
export async function runExportKey(ctx: CommandContext, out: string): Promise<void> {
  const { dataDir, passphrase } = ctx.agentOptions;
  securePrivateDir(dataDir, ctx.warn);
  const wallet = await readWalletFile(join(dataDir, WALLET_FILE), passphrase);
  wallet.storeKey?.fill(0);
  let fd: number;
  try {
    fd = openSync(out, 'wx', 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ParleyError('Cli.BadArguments', code === 'EEXIST' ? 'The --out file exists already: the key is never written over a file.' : 'The --out file cannot be created.', {
      details: `${out}: ${code ?? String(e)}`,
      cause: e,
    });
  }
  try {
    writeSync(fd, `${JSON.stringify({ address: wallet.address, privateKey: wallet.privateKey })}\n`);
  } finally {
    closeSync(fd);
  }
  ctx.out({ address: wallet.address, file: out });
}
