import { ParleyError } from '../../core/errors';

/*
 * Vault keys (DESIGN §5). A password derives a key-encryption key with PBKDF2-HMAC-SHA256
 * through WebCrypto: it runs natively in the worker (600,000 iterations take a fraction of a
 * second, where a JS scrypt of similar strength blocks the worker for seconds), and 600,000
 * is OWASP's current figure for PBKDF2-HMAC-SHA256. That key only wraps a random 256-bit data
 * key; the data key is what storage.session holds while unlocked, so the password is never
 * kept, and changing it would re-wrap one key instead of re-encrypting every record.
 * From the data key, HKDF-SHA256 derives the AES-256-GCM record key and the HMAC key that
 * turns record names (group ids, origins) into opaque IndexedDB keys.
 */

export const PBKDF2_ITERATIONS = 600_000;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const DATA_KEY_BYTES = 32;
const WRAP_AAD = new TextEncoder().encode('parley vault data key v1');

/** Stored in the clear: without the password none of it helps. */
export interface KeyringMeta {
  name: 'keyring';
  version: 1;
  kdf: 'PBKDF2-HMAC-SHA256';
  iterations: number;
  salt: Uint8Array;
  iv: Uint8Array;
  /** AES-256-GCM of the data key under the password key. */
  wrappedKey: Uint8Array;
}

export interface Keyring {
  /** AES-256-GCM; `aad` binds the ciphertext to the record it belongs to. Output: iv ‖ ciphertext. */
  seal(aad: string, plaintext: Uint8Array): Promise<Uint8Array>;
  /** Throws Vault.Corrupt when the record was changed, moved or is not ours. */
  open(aad: string, sealed: Uint8Array): Promise<Uint8Array>;
  /** HMAC-SHA256 of a record's name, hex: an IndexedDB key that says nothing of the name. */
  tag(name: string): Promise<string>;
}

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;
const utf8 = (s: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(s);

async function passwordKey(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<CryptoKey> {
  const passwordBytes = utf8(password);
  try {
    const base = await subtle().importKey('raw', passwordBytes, 'PBKDF2', false, ['deriveKey']);
    return await subtle().deriveKey(
      { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
      base,
      { name: 'AES-GCM', length: 256 },
      false,
      ['encrypt', 'decrypt'],
    );
  } finally {
    passwordBytes.fill(0);
  }
}

/** A fresh data key wrapped under the password: the vault's first record. */
export async function createKeyring(password: string): Promise<{ meta: KeyringMeta; dataKey: Uint8Array }> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const dataKey = crypto.getRandomValues(new Uint8Array(DATA_KEY_BYTES));
  const kek = await passwordKey(password, salt, PBKDF2_ITERATIONS);
  const wrapped = await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: WRAP_AAD }, kek, dataKey);
  return {
    meta: { name: 'keyring', version: 1, kdf: 'PBKDF2-HMAC-SHA256', iterations: PBKDF2_ITERATIONS, salt, iv, wrappedKey: new Uint8Array(wrapped) },
    dataKey,
  };
}

/** The data key, when the password is right; Vault.WrongPassword otherwise (GCM authenticates). */
export async function unwrapDataKey(password: string, meta: KeyringMeta): Promise<Uint8Array> {
  const kek = await passwordKey(password, new Uint8Array(meta.salt), meta.iterations);
  try {
    const raw = await subtle().decrypt(
      { name: 'AES-GCM', iv: new Uint8Array(meta.iv), additionalData: WRAP_AAD },
      kek,
      new Uint8Array(meta.wrappedKey),
    );
    return new Uint8Array(raw);
  } catch (cause) {
    throw new ParleyError('Vault.WrongPassword', 'Wrong password.', { cause });
  }
}

/** The working keys of an unlocked vault. The caller wipes `dataKey` once this resolves. */
export async function keyringFromDataKey(dataKey: Uint8Array): Promise<Keyring> {
  if (dataKey.length !== DATA_KEY_BYTES) throw new ParleyError('Vault.Corrupt', 'The vault key has the wrong length.');
  const base = await subtle().importKey('raw', new Uint8Array(dataKey), 'HKDF', false, ['deriveKey']);
  const hkdf = (info: string): HkdfParams => ({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info: utf8(info) });
  const recordKey = await subtle().deriveKey(hkdf('parley vault records v1'), base, { name: 'AES-GCM', length: 256 }, false, [
    'encrypt',
    'decrypt',
  ]);
  const tagKey = await subtle().deriveKey(hkdf('parley vault names v1'), base, { name: 'HMAC', hash: 'SHA-256', length: 256 }, false, [
    'sign',
  ]);

  return {
    async seal(aad, plaintext) {
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const ct = await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: utf8(aad) }, recordKey, new Uint8Array(plaintext));
      const out = new Uint8Array(IV_BYTES + ct.byteLength);
      out.set(iv);
      out.set(new Uint8Array(ct), IV_BYTES);
      return out;
    },
    async open(aad, sealed) {
      if (sealed.length < IV_BYTES + 16) throw new ParleyError('Vault.Corrupt', 'A vault record is truncated.');
      try {
        const pt = await subtle().decrypt(
          { name: 'AES-GCM', iv: sealed.slice(0, IV_BYTES), additionalData: utf8(aad) },
          recordKey,
          sealed.slice(IV_BYTES),
        );
        return new Uint8Array(pt);
      } catch (cause) {
        throw new ParleyError('Vault.Corrupt', 'A vault record failed to decrypt.', { cause });
      }
    },
    async tag(name) {
      const mac = await subtle().sign('HMAC', tagKey, utf8(name));
      return Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, '0')).join('');
    },
  };
}
