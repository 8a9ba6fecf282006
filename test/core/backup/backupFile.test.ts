import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts';
import { isParleyError, type ErrorCode } from '../../../src/core/errors';
import { openBackup, sealBackup, type BackupContents, type BackupProgress } from '../../../src/core/backup';

// The cheapest cost the reader accepts: the format is what is tested here, not scrypt.
const FAST = { N: 2 ** 10, r: 8, p: 1 };
const PASS = 'correct horse battery';

function identity(label: string) {
  const privateKey = generatePrivateKey();
  return { address: privateKeyToAddress(privateKey).toLowerCase(), privateKey, label, createdAt: 1_700_000_000_000 };
}

const contents: BackupContents = (() => {
  const a = identity('main');
  return { identities: [a, identity('second')], activeAddress: a.address };
})();

async function refusal(p: Promise<unknown>): Promise<ErrorCode> {
  try {
    await p;
  } catch (e) {
    if (isParleyError(e)) return e.code;
    throw e;
  }
  throw new Error('resolved');
}

/** Rewrites the trailing checksum, as a deliberate forger would, so the keyed checks are reached. */
function reseal(file: Uint8Array): Uint8Array {
  const out = file.slice();
  out.set(sha256(out.subarray(0, out.length - 32)), out.length - 32);
  return out;
}

describe('backup file', () => {
  it('round-trips identities and reports key-derivation progress', async () => {
    const progress: BackupProgress[] = [];
    const file = await sealBackup(contents, PASS, { scrypt: FAST, onProgress: (p) => progress.push(p) });
    expect(new TextDecoder().decode(file.subarray(0, 8))).toBe('PARLEYBK');
    expect(file[8]).toBe(1);
    expect(progress.at(-1)).toEqual({ phase: 'done', fraction: 1 });
    expect(progress.some((p) => p.phase === 'key' && p.fraction > 0 && p.fraction < 1)).toBe(true);
    expect(await openBackup(file, PASS)).toEqual(contents);
    // Nothing of the keys is in the clear.
    const text = new TextDecoder('latin1').decode(file);
    for (const i of contents.identities) expect(text).not.toContain(i.privateKey.slice(2, 20));
  });

  it('records the scrypt cost in the header and uses the default cost when none is given', async () => {
    const file = await sealBackup({ identities: [identity('x')] }, PASS);
    const headerLength = new DataView(file.buffer).getUint16(9);
    const header = JSON.parse(new TextDecoder().decode(file.subarray(15, 15 + headerLength))) as { kdf: unknown; cipher: string };
    expect(header.kdf).toMatchObject({ name: 'scrypt', N: 2 ** 17, r: 8, p: 1 });
    expect(header.cipher).toBe('xchacha20-poly1305');
  });

  it('the same passphrase typed in another Unicode form opens it (NFKC)', async () => {
    const file = await sealBackup(contents, 'pa\u0073\u0073wörd-123', { scrypt: FAST });
    expect(await openBackup(file, 'pa\u0073\u0073wo\u0308rd-123')).toEqual(contents);
  });

  it('a wrong passphrase is Backup.WrongPassphrase', async () => {
    const file = await sealBackup(contents, PASS, { scrypt: FAST });
    expect(await refusal(openBackup(file, 'correct horse battery!'))).toBe('Backup.WrongPassphrase');
  });

  it('every single changed byte is refused as Backup.Tampered (or, in magic and version, as not a backup)', async () => {
    const file = await sealBackup({ identities: [identity('x')] }, PASS, { scrypt: FAST });
    const codes = new Set<ErrorCode>();
    for (let i = 0; i < file.length; i++) {
      const changed = file.slice();
      changed[i] = changed[i]! ^ 0x01;
      const code = await refusal(openBackup(changed, PASS));
      if (i >= 9) expect(['Backup.Tampered', 'Backup.Truncated'], `byte ${i}`).toContain(code);
      codes.add(code);
    }
    expect(codes.has('Backup.Tampered')).toBe(true);
  });

  it('a forger who fixes the checksum still fails: the AEAD binds header and ciphertext', async () => {
    const file = await sealBackup(contents, PASS, { scrypt: FAST });
    const headerLength = new DataView(file.buffer).getUint16(9);
    // A ciphertext byte, and the header's createdAt digit (bound as associated data, not keyed).
    const ct = file.slice();
    ct[15 + headerLength + 3] = ct[15 + headerLength + 3]! ^ 0x80;
    expect(await refusal(openBackup(reseal(ct), PASS))).toBe('Backup.Tampered');
    const header = new TextDecoder().decode(file.subarray(15, 15 + headerLength));
    const changedHeader = header.replace(/"createdAt":(\d)/, (_m, d: string) => `"createdAt":${(Number(d) + 1) % 10}`);
    expect(changedHeader).not.toBe(header);
    const hf = file.slice();
    hf.set(new TextEncoder().encode(changedHeader), 15);
    expect(await refusal(openBackup(reseal(hf), PASS))).toBe('Backup.Tampered');
    // A made-up cost that would take gigabytes is refused before scrypt runs.
    const costly = file.slice();
    costly.set(new TextEncoder().encode(header.replace('"N":1024', '"N":4194304').slice(0, headerLength)), 15);
    expect(await refusal(openBackup(reseal(costly), PASS))).toBe('Backup.Tampered');
  });

  it('a truncated file is Backup.Truncated, however much is cut', async () => {
    const file = await sealBackup(contents, PASS, { scrypt: FAST });
    for (const keep of [0, 9, 14, 15, 40, file.length - 33, file.length - 1]) {
      expect(await refusal(openBackup(file.subarray(0, keep), PASS)), `${keep} bytes`).toBe('Backup.Truncated');
    }
    const longer = new Uint8Array(file.length + 1);
    longer.set(file);
    expect(await refusal(openBackup(longer, PASS))).toBe('Backup.Tampered');
  });

  it('a future format version is Backup.UnsupportedVersion; other files are Backup.NotABackup', async () => {
    const file = await sealBackup(contents, PASS, { scrypt: FAST });
    const future = file.slice();
    future[8] = 2;
    expect(await refusal(openBackup(reseal(future), PASS))).toBe('Backup.UnsupportedVersion');
    const zero = file.slice();
    zero[8] = 0;
    expect(await refusal(openBackup(zero, PASS))).toBe('Backup.NotABackup');
    expect(await refusal(openBackup(new TextEncoder().encode('{"address":"0x00"}'), PASS))).toBe('Backup.NotABackup');
  });

  it('refuses to write a backup with a short passphrase, no identity, a key not matching its address, or an unusable cost', async () => {
    expect(await refusal(sealBackup(contents, 'short', { scrypt: FAST }))).toBe('Backup.BadInput');
    expect(await refusal(sealBackup({ identities: [] }, PASS, { scrypt: FAST }))).toBe('Backup.BadInput');
    const a = identity('a');
    const wrong = { ...a, address: privateKeyToAddress(generatePrivateKey()).toLowerCase() };
    expect(await refusal(sealBackup({ identities: [wrong] }, PASS, { scrypt: FAST }))).toBe('Backup.BadInput');
    expect(await refusal(sealBackup({ identities: [a, a] }, PASS, { scrypt: FAST }))).toBe('Backup.BadInput');
    expect(await refusal(sealBackup({ identities: [a] }, PASS, { scrypt: { N: 1000, r: 8, p: 1 } }))).toBe('Backup.BadInput');
    expect(await refusal(sealBackup({ identities: [a], activeAddress: '0x' + '1'.repeat(40) }, PASS, { scrypt: FAST }))).toBe('Backup.BadInput');
  });
});
