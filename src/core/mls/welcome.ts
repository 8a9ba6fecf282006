import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { CipherSuite } from '@hpke/core';
import { DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/dhkem-x25519';
import { XWing } from '@hpke/hybridkem-x-wing';
import { encodeHpkeCiphertext, decodeHpkeCiphertext } from 'ts-mls/hpkeCiphertext.js';
import { composeBufferEncoders, encode } from 'ts-mls/codec/tlsEncoder.js';
import { varLenDataEncoder } from 'ts-mls/codec/variableLength.js';
import { ParleyError } from '../errors';
import { decodeTlsExact } from './decodeTlsExact';
import { MAX_WELCOME_METADATA_BYTES } from './welcomeMetadata';

/** xmtp.mls.message_contents.WelcomeWrapperAlgorithm CURVE25519. */
export const WELCOME_WRAPPER_ALGORITHM_CURVE25519 = 1;
/** xmtp.mls.message_contents.WelcomeWrapperAlgorithm XWING_MLKEM_768_DRAFT_6. */
export const WELCOME_WRAPPER_ALGORITHM_XWING = 2;

export type WelcomeWrapperAlgorithm = typeof WELCOME_WRAPPER_ALGORITHM_CURVE25519 | typeof WELCOME_WRAPPER_ALGORITHM_XWING;

/** Key and KEM output sizes per wrapper algorithm (X-Wing draft-06 §5: 1216-byte public key, 32-byte seed, 1120-byte ciphertext). */
const WRAPPER_SIZES: Record<WelcomeWrapperAlgorithm, { publicKey: number; privateKey: number; kemOutput: number }> = {
  [WELCOME_WRAPPER_ALGORITHM_CURVE25519]: { publicKey: 32, privateKey: 32, kemOutput: 32 },
  [WELCOME_WRAPPER_ALGORITHM_XWING]: { publicKey: 1216, privateKey: 32, kemOutput: 1120 },
};

/** A welcome carries the ratchet tree; XMTP's gRPC payload limit (25 MiB) bounds it. */
export const MAX_WRAPPED_WELCOME_BYTES = 25 * 1024 * 1024;

/** AEAD tag of ChaCha20-Poly1305: the sealed metadata is its plaintext plus this. */
const AEAD_TAG_BYTES = 16;

export interface WrapWelcomeInput {
  /** TLS MLSMessage(welcome), as openmls `MlsMessageOut` serialises it. */
  welcomeTls: Uint8Array;
  /** Encoded WelcomeMetadata (see encodeWelcomeMetadata). */
  welcomeMetadata: Uint8Array;
  /**
   * The key the welcome is wrapped to: the recipient key package's init key (X25519) for
   * Curve25519, its 0xff03 public key for X-Wing.
   */
  recipientInitKey: Uint8Array;
  /** Curve25519 unless given. */
  wrapperAlgorithm?: WelcomeWrapperAlgorithm;
}

/** The fields of WelcomeMessageInput.V1 this produces (installation_key is the caller's). */
export interface WrappedWelcome {
  /** TLS HPKECiphertext{kem_output, ciphertext}. */
  data: Uint8Array;
  /** The metadata sealed as the context's second message: bare ciphertext. */
  welcomeMetadata: Uint8Array;
  hpkePublicKey: Uint8Array;
  wrapperAlgorithm: WelcomeWrapperAlgorithm;
}

export interface UnwrapWelcomeInput {
  data: Uint8Array;
  welcomeMetadata: Uint8Array;
  /**
   * The private key the welcome was wrapped to: the key package's X25519 init private key for
   * Curve25519, its 32-byte X-Wing seed for X-Wing.
   */
  initPrivateKey: Uint8Array;
  /** Curve25519 unless given. */
  wrapperAlgorithm?: WelcomeWrapperAlgorithm;
}

export interface UnwrappedWelcome {
  welcomeTls: Uint8Array;
  /** Encoded WelcomeMetadata; empty when the sender sent none. */
  welcomeMetadata: Uint8Array;
}

/**
 * libxmtp's outer welcome encryption (xmtp_mls/src/groups/mls_ext/welcome_wrapper.rs
 * `wrap_welcome`): HPKE base mode, DHKEM(X25519, HKDF-SHA256) to the init key (Curve25519) or
 * X-Wing draft-06 to the key package's 0xff03 key (XWingMLKEM768Draft6, the same steps otherwise),
 * HKDF-SHA256 and ChaCha20-Poly1305 whatever the MLS suite; info = TLS EncryptContext with label
 * "MLS 1.0 MLS_WELCOME" (openmls adds the "MLS 1.0 " prefix) and empty context; empty aad.
 * One context seals the welcome (sequence 0) and then the metadata (sequence 1).
 */
export async function wrapWelcome(input: WrapWelcomeInput): Promise<WrappedWelcome> {
  const { welcomeTls, welcomeMetadata, recipientInitKey } = input;
  const algorithm = input.wrapperAlgorithm ?? WELCOME_WRAPPER_ALGORITHM_CURVE25519;
  const sizes = wrapperSizes(algorithm);
  if (recipientInitKey.length !== sizes.publicKey) {
    throw new ParleyError('Mls.BadInput', `The recipient key is not a ${algorithmName(algorithm)} public key.`, {
      details: `${recipientInitKey.length} bytes`,
    });
  }
  const suite = welcomeWrapperSuite(algorithm);
  let recipientPublicKey: CryptoKey;
  try {
    recipientPublicKey = await suite.kem.deserializePublicKey(recipientInitKey.slice());
  } catch (cause) {
    throw new ParleyError('Mls.BadInput', `The recipient key is not a ${algorithmName(algorithm)} public key.`, { cause });
  }
  let sender: Awaited<ReturnType<CipherSuite['createSenderContext']>>;
  try {
    sender = await suite.createSenderContext({ recipientPublicKey, info: welcomeHpkeInfo() });
  } catch (cause) {
    // X-Wing deserializes any 1216 bytes; FIPS 203's encapsulation-key check (§7.2) runs here.
    throw new ParleyError('Mls.BadInput', `The recipient key is not a ${algorithmName(algorithm)} public key.`, { cause });
  }
  const ciphertext = new Uint8Array(await sender.seal(welcomeTls));
  const sealedMetadata = new Uint8Array(await sender.seal(welcomeMetadata));
  return {
    data: encodeHpkeCiphertext({ kemOutput: new Uint8Array(sender.enc), ciphertext }),
    welcomeMetadata: sealedMetadata,
    hpkePublicKey: recipientInitKey.slice(),
    wrapperAlgorithm: algorithm,
  };
}

/**
 * Opens what wrapWelcome sealed (libxmtp `unwrap_welcome`). Empty sealed metadata means none was
 * sent and gives empty metadata, as libxmtp does. Malformed framing is 'Codec.Malformed'; a wrong
 * key or tampered ciphertext is 'Mls.WelcomeDecryptFailed'.
 */
export async function unwrapWelcome(input: UnwrapWelcomeInput): Promise<UnwrappedWelcome> {
  const { data, welcomeMetadata, initPrivateKey } = input;
  if (data.length > MAX_WRAPPED_WELCOME_BYTES || welcomeMetadata.length > MAX_WELCOME_METADATA_BYTES + AEAD_TAG_BYTES) {
    throw new ParleyError('Codec.TooLarge', 'The wrapped welcome is too large.', {
      details: `data ${data.length} bytes, metadata ${welcomeMetadata.length} bytes`,
    });
  }
  const algorithm = input.wrapperAlgorithm ?? WELCOME_WRAPPER_ALGORITHM_CURVE25519;
  const sizes = wrapperSizes(algorithm);
  if (initPrivateKey.length !== sizes.privateKey) {
    throw new ParleyError('Mls.BadInput', `The private key is not a ${algorithmName(algorithm)} private key.`, {
      details: `${initPrivateKey.length} bytes`,
    });
  }
  const decoded = decodeTlsExact(decodeHpkeCiphertext, data);
  if (!decoded.ok) {
    throw new ParleyError('Codec.Malformed', 'The wrapped welcome is not a TLS HPKECiphertext.', { details: decoded.reason });
  }
  const { kemOutput, ciphertext } = decoded.value;
  if (kemOutput.length !== sizes.kemOutput) {
    throw new ParleyError('Codec.Malformed', 'The wrapped welcome is not a TLS HPKECiphertext.', {
      details: `kem_output is ${kemOutput.length} bytes; ${algorithmName(algorithm)} needs ${sizes.kemOutput}`,
    });
  }
  const suite = welcomeWrapperSuite(algorithm);
  // A copy: @hpke keys keep the ArrayBuffer they are given, which for a view is the whole buffer.
  // Wiped once both seals are open, as the caller wipes its own.
  const privateKeyCopy = initPrivateKey.slice();
  try {
    const recipientKey = await suite.kem.deserializePrivateKey(privateKeyCopy);
    const recipient = await suite.createRecipientContext({ recipientKey, enc: kemOutput.slice(), info: welcomeHpkeInfo() });
    const welcomeTls = new Uint8Array(await recipient.open(ciphertext));
    const metadata = welcomeMetadata.length === 0 ? new Uint8Array() : new Uint8Array(await recipient.open(welcomeMetadata));
    return { welcomeTls, welcomeMetadata: metadata };
  } catch (cause) {
    throw new ParleyError('Mls.WelcomeDecryptFailed', 'The welcome could not be decrypted with this key package.', { cause });
  } finally {
    privateKeyCopy.fill(0);
  }
}

/**
 * libxmtp `WrapperAlgorithm::to_hpke_config` (groups/mls_ext/mls_ext_wrapper_encryption.rs): base
 * mode, HKDF-SHA256, ChaCha20-Poly1305, and DHKEM(X25519) or hpke-rs `XWingDraft06`.
 */
function welcomeWrapperSuite(algorithm: WelcomeWrapperAlgorithm): CipherSuite {
  const kem = algorithm === WELCOME_WRAPPER_ALGORITHM_XWING ? xwingKem() : new DhkemX25519HkdfSha256();
  return new CipherSuite({ kem, kdf: new HkdfSha256(), aead: new Chacha20Poly1305() });
}

/**
 * HPKE KEM id libxmtp 1.10 puts in the X-Wing suite id. Its hpke-rs 0.4.0 numbers XWingDraft06
 * 0x004d (later hpke-rs renamed that XWingDraft06Obsolete and moved to the registered 0x647a,
 * which @hpke/hybridkem-x-wing uses). With 0x647a node-sdk 6.0.0's X-Wing welcomes do not open;
 * with 0x004d they do (test/interop/client.interop.test.ts).
 */
export const XWING_HPKE_KEM_ID_LIBXMTP = 0x004d;

function xwingKem(): XWing {
  const kem = new XWing();
  // The key schedule reads `id` into the suite id; X-Wing itself is unchanged.
  Object.defineProperty(kem, 'id', { value: XWING_HPKE_KEM_ID_LIBXMTP });
  return kem;
}

function wrapperSizes(algorithm: WelcomeWrapperAlgorithm): { publicKey: number; privateKey: number; kemOutput: number } {
  const sizes = (WRAPPER_SIZES as Partial<Record<number, { publicKey: number; privateKey: number; kemOutput: number }>>)[algorithm];
  if (sizes === undefined) {
    throw new ParleyError('Mls.BadInput', 'Unknown welcome wrapper algorithm.', { details: String(algorithm) });
  }
  return sizes;
}

function algorithmName(algorithm: WelcomeWrapperAlgorithm): string {
  return algorithm === WELCOME_WRAPPER_ALGORITHM_XWING ? 'X-Wing' : 'X25519';
}

/** TLS `EncryptContext{opaque label<V>; opaque context<V>}` (RFC 9420 §5.1.3). */
export function welcomeHpkeInfo(): Uint8Array {
  return encode(composeBufferEncoders([varLenDataEncoder, varLenDataEncoder]))([
    new TextEncoder().encode('MLS 1.0 MLS_WELCOME'),
    new Uint8Array(),
  ]);
}
