import { Dhkem, KemId, XCurveDhkemPrimitives } from '@hpke/common';
import type { MontgomeryECDH } from '@hpke/common';
import { HkdfSha256 } from '@hpke/dhkem-x25519';
import { x25519 } from '@noble/curves/ed25519.js';

/**
 * @noble/curves' X25519 in the shape @hpke/common's Montgomery-curve primitives take (their key
 * generator is asynchronous, noble's is not).
 */
const nobleX25519: MontgomeryECDH = {
  scalarMult: x25519.scalarMult,
  scalarMultBase: x25519.scalarMultBase,
  getSharedSecret: x25519.getSharedSecret,
  getPublicKey: x25519.getPublicKey,
  utils: { randomSecretKey: () => Promise.resolve(x25519.utils.randomSecretKey()) },
  GuBytes: x25519.GuBytes,
  lengths: x25519.lengths,
  keygen: x25519.keygen,
};

/**
 * DHKEM(X25519, HKDF-SHA256) (RFC 9180 §4.1, KEM id 0x0020) with X25519 from @noble/curves in
 * every environment. @hpke/core's own DhkemX25519HkdfSha256, which ts-mls uses, runs X25519 on
 * WebCrypto, and Firefox ESR 140's WebCrypto cannot export an X25519 private key as JWK, which
 * that KEM does for every key pair it makes (DESIGN §7); so no X25519 here is left to WebCrypto.
 */
export class NobleDhkemX25519HkdfSha256 extends Dhkem {
  override readonly id = KemId.DhkemX25519HkdfSha256;
  override readonly secretSize = 32;
  override readonly encSize = 32;
  override readonly publicKeySize = 32;
  override readonly privateKeySize = 32;

  constructor() {
    const kdf = new HkdfSha256();
    super(KemId.DhkemX25519HkdfSha256, new XCurveDhkemPrimitives('X25519', 32, nobleX25519, kdf), kdf);
  }
}
