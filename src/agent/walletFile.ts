import { closeSync, fsyncSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { gcm } from '@noble/ciphers/aes.js';
import { randomBytes } from '@noble/ciphers/utils.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { privateKeyToAddress } from 'viem/accounts';
import type { Hex } from 'viem';
import { ParleyError } from '../core/errors';
import { kdfFromJson, kdfToJson, keyFromPassphrase, newPassphraseKdf, type ScryptParams } from './passphraseKey';

/*
 * The agent's wallet key file. In clear (mode 0600):
 *   {"version":1,"address":"0x…","encryption":"none","privateKey":"0x…"}
 * With a passphrase, one scrypt derivation gives a master key; HKDF splits it into the key that
 * seals the wallet key (AES-256-GCM, the address as associated data) and the client store's key,
 * so a CLI run pays for scrypt once:
 *   {"version":1,"address":"0x…","encryption":"scrypt+aes-256-gcm","kdf":{…},"nonce":"…","ciphertext":"…"}
 */

export interface WalletSecrets {
  /** Lowercase 0x address of the wallet. */
  address: string;
  /** secp256k1 private key (0x hex). JS strings cannot be wiped: hold it only as long as needed. */
  privateKey: Hex;
  /** The client store's 32-byte key when the wallet is passphrase-protected; the caller wipes it. */
  storeKey?: Uint8Array;
}

const ENCRYPTED = 'scrypt+aes-256-gcm';
const MAX_FILE_BYTES = 4096;

/** Writes a new wallet file; never replaces one (Agent.AlreadyInitialized). */
export async function createWalletFile(path: string, privateKey: Hex, passphrase?: string, scrypt?: ScryptParams): Promise<WalletSecrets> {
  const address = privateKeyToAddress(privateKey).toLowerCase();
  let body: Record<string, unknown>;
  let storeKey: Uint8Array | undefined;
  if (passphrase === undefined) {
    body = { version: 1, address, encryption: 'none', privateKey };
  } else {
    const kdf = newPassphraseKdf(scrypt);
    const keys = splitMasterKey(await keyFromPassphrase(passphrase, kdf));
    const nonce = randomBytes(12);
    const plain = utf8ToBytes(privateKey);
    const ciphertext = gcm(keys.wallet, nonce, walletAad(address)).encrypt(plain);
    plain.fill(0);
    keys.wallet.fill(0);
    storeKey = keys.store;
    body = { version: 1, address, encryption: ENCRYPTED, kdf: kdfToJson(kdf), nonce: bytesToHex(nonce), ciphertext: bytesToHex(ciphertext) };
  }
  writeNewPrivateFile(path, `${JSON.stringify(body, null, 2)}\n`, () => new ParleyError('Agent.AlreadyInitialized', 'This data directory already holds an agent identity.', { details: path }));
  return storeKey === undefined ? { address, privateKey } : { address, privateKey, storeKey };
}

/** Reads the wallet file: Agent.NotInitialized when missing, Agent.KeyRequired / Agent.WrongKey for a protected one. */
export async function readWalletFile(path: string, passphrase?: string): Promise<WalletSecrets> {
  let text: string;
  try {
    const bytes = readFileSync(path);
    if (bytes.length > MAX_FILE_BYTES) throw corrupt(`${bytes.length} bytes`);
    text = bytes.toString('utf8');
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') {
      throw new ParleyError('Agent.NotInitialized', 'No agent identity here: run `parley init` first.', { details: path });
    }
    throw e instanceof ParleyError ? e : new ParleyError('Agent.StoreFailed', 'The wallet file cannot be read.', { details: path, cause: e });
  }
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw corrupt('not JSON');
  }
  if (typeof body !== 'object' || body === null || body['version'] !== 1) throw corrupt('not a version 1 wallet file');
  const address = body['address'];
  if (typeof address !== 'string' || !/^0x[0-9a-f]{40}$/.test(address)) throw corrupt('no lowercase address');

  if (body['encryption'] === 'none') {
    if (passphrase !== undefined) throw new ParleyError('Agent.NotEncrypted', 'This agent’s keys are stored in clear; unset the passphrase to use it.');
    return { address, privateKey: checkedKey(body['privateKey'], address) };
  }
  if (body['encryption'] !== ENCRYPTED) throw corrupt('unknown encryption');
  if (passphrase === undefined) throw new ParleyError('Agent.KeyRequired', 'This agent’s keys are passphrase-protected: set PARLEY_PASSPHRASE.');
  const nonce = hexField(body['nonce'], 12);
  const ciphertext = hexField(body['ciphertext'], undefined);
  const keys = splitMasterKey(await keyFromPassphrase(passphrase, kdfFromJson(body['kdf'], corrupt)));
  let plain: Uint8Array;
  try {
    plain = gcm(keys.wallet, nonce, walletAad(address)).decrypt(ciphertext);
  } catch {
    keys.wallet.fill(0);
    keys.store.fill(0);
    throw new ParleyError('Agent.WrongKey', 'Wrong passphrase for this agent.');
  }
  keys.wallet.fill(0);
  try {
    return { address, privateKey: checkedKey(new TextDecoder().decode(plain), address), storeKey: keys.store };
  } catch (e) {
    keys.store.fill(0);
    throw e;
  } finally {
    plain.fill(0);
  }
}

function splitMasterKey(master: Uint8Array): { wallet: Uint8Array; store: Uint8Array } {
  const keys = {
    wallet: hkdf(sha256, master, undefined, utf8ToBytes('parley agent v1: wallet key'), 32),
    store: hkdf(sha256, master, undefined, utf8ToBytes('parley agent v1: client store'), 32),
  };
  master.fill(0);
  return keys;
}

function walletAad(address: string): Uint8Array {
  return utf8ToBytes(`parley agent wallet v1\u0000${address}`);
}

function checkedKey(value: unknown, address: string): Hex {
  if (typeof value !== 'string' || !/^0x[0-9a-f]{64}$/.test(value)) throw corrupt('no 32-byte hex private key');
  if (privateKeyToAddress(value as Hex).toLowerCase() !== address) throw corrupt('the private key is not the address’s');
  return value as Hex;
}

function hexField(value: unknown, length: number | undefined): Uint8Array {
  if (typeof value !== 'string' || !/^([0-9a-f]{2})+$/.test(value) || (length !== undefined && value.length !== length * 2)) throw corrupt('a malformed hex field');
  return hexToBytes(value);
}

function corrupt(details: string): ParleyError {
  return new ParleyError('Agent.StoreCorrupt', 'The wallet file is malformed.', { details });
}

/**
 * Writes a temp file (0600), syncs it, and links it into place: the wallet file appears whole or
 * not at all, and an existing one is never replaced (link fails with EEXIST).
 */
/**
 * Writes `text` to a new owner-only (0600) file, durably and all at once: a temp file is
 * written and fsynced, then linked into place, which fails rather than replace a file there.
 * `onExists` makes the error for that case.
 */
export function writeNewPrivateFile(path: string, text: string, onExists: () => ParleyError): void {
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'EEXIST') throw onExists();
    throw e;
  } finally {
    unlinkSync(temp);
  }
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
