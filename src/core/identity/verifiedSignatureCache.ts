import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { UnverifiedSignature, VerifiedSignature } from './model';

/**
 * A few thousand entries of ~300 bytes each: every member of several 250-member groups, and the
 * logs a node replays after its per-inbox state cache dropped them.
 */
export const DEFAULT_SIGNATURE_CACHE_ENTRIES = 4096;

/**
 * Which signatures may be remembered: those whose verdict depends on nothing but the bytes.
 * Smart-contract-wallet signatures depend on the verifier and the chain's state, and the rare
 * legacy and passkey kinds are not worth the risk of a key that misses one of their fields.
 */
type CacheableSignature = Extract<UnverifiedSignature, { kind: 'erc191' | 'installationKey' }>;

const KIND_TAG: Record<CacheableSignature['kind'], number> = { erc191: 1, installationKey: 2 };

function isCacheable(signature: UnverifiedSignature): signature is CacheableSignature {
  return signature.kind === 'erc191' || signature.kind === 'installationKey';
}

function lengthPrefixed(parts: readonly Uint8Array[], tag: number): Uint8Array {
  let total = 1;
  for (const p of parts) total += 4 + p.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out[0] = tag;
  let at = 1;
  for (const p of parts) {
    view.setUint32(at, p.length);
    out.set(p, at + 4);
    at += 4 + p.length;
  }
  return out;
}

/**
 * sha256 over the kind, the full text and every byte the verdict depends on (the signature, and
 * the public key for an installation), each length-prefixed so no two inputs share an encoding.
 * Undefined for a kind that is never cached. Keyed on bytes, never on the recovered address: a
 * forged signature over a text some good signature covered has other bytes, so another key.
 */
export function signatureCacheKey(text: string, signature: UnverifiedSignature): string | undefined {
  if (!isCacheable(signature)) return undefined;
  const textBytes = utf8ToBytes(text);
  const parts =
    signature.kind === 'erc191' ? [textBytes, signature.bytes] : [textBytes, signature.publicKey, signature.bytes];
  return bytesToHex(sha256(lengthPrefixed(parts, KIND_TAG[signature.kind])));
}

/** A copy the caller may keep without sharing byte arrays with the cache or other callers. */
function copyVerified(v: VerifiedSignature): VerifiedSignature {
  const signer = v.signer.kind === 'installation' ? { kind: 'installation' as const, publicKey: v.signer.publicKey.slice() } : v.signer;
  return { signer, kind: v.kind, rawBytes: v.rawBytes.slice(), chainId: v.chainId };
}

/**
 * Signatures already verified, by signatureCacheKey, least recently used dropped first. Holds
 * only successes: a signature that failed is checked again every time it is seen.
 */
export class VerifiedSignatureCache {
  private readonly entries = new Map<string, VerifiedSignature>();

  constructor(readonly maxEntries = DEFAULT_SIGNATURE_CACHE_ENTRIES) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): VerifiedSignature | undefined {
    const hit = this.entries.get(key);
    if (hit === undefined) return undefined;
    // Map iteration order is insertion order: re-inserting makes it the most recent.
    this.entries.delete(key);
    this.entries.set(key, hit);
    return copyVerified(hit);
  }

  set(key: string, verified: VerifiedSignature): void {
    this.entries.delete(key);
    this.entries.set(key, copyVerified(verified));
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * One cache for the whole process by default: a Client rebuilt after a lock or an identity
 * change, or an agent running several inboxes, does not recover the same signatures again.
 * A verdict on these kinds depends only on the bytes, so sharing it between clients is safe.
 */
export const sharedVerifiedSignatureCache = new VerifiedSignatureCache();
