import { join } from 'node:path';
import { WALLET_FILE } from '../../agent/agentClient';
import { securePrivateDir } from '../../agent/privateDataDir';
import { readWalletFile, writeNewPrivateFile } from '../../agent/walletFile';
import { ParleyError } from '../../core/errors';
import type { CommandContext } from './context';

/**
 * `parley export-key --out FILE`: the wallet key into a new file only its owner can read,
 * written as the wallet file is (0600, fsynced, never over an existing file), so that the
 * identity can move to another machine or wallet. The key is never printed: terminals and logs
 * keep what they show. Reads the wallet file alone, so it works while a listener holds the store.
 */
export async function runExportKey(ctx: CommandContext, out: string): Promise<void> {
  const { dataDir, passphrase } = ctx.agentOptions;
  securePrivateDir(dataDir, ctx.warn);
  const wallet = await readWalletFile(join(dataDir, WALLET_FILE), passphrase);
  wallet.storeKey?.fill(0);
  const exists = () => new ParleyError('Cli.BadArguments', 'The --out file exists already: the key is never written over a file.', { details: out });
  try {
    writeNewPrivateFile(out, `${JSON.stringify({ address: wallet.address, privateKey: wallet.privateKey })}\n`, exists);
  } catch (e) {
    if (e instanceof ParleyError) throw e;
    throw new ParleyError('Cli.BadArguments', 'The --out file cannot be created.', { details: `${out}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, cause: e });
  }
  ctx.out({ address: wallet.address, file: out });
}
