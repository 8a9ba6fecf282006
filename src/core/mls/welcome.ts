import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { CipherSuite } from '@hpke/core';
import { DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/dhkem-x25519';
import { encodeHpkeCiphertext, decodeHpkeCiphertext } from 'ts-mls/hpkeCiphertext.js';
import { composeBufferEncoders, encode } from 'ts-mls/codec/tlsEncoder.js';
import { varLenDataEncoder } from 'ts-mls/codec/variableLength.js';
import { ParleyError } from '../errors';
import { decodeTlsExact } from './decodeTlsExact';
import { MAX_WELCOME_METADATA_BYTES } from './welcomeMetadata';

/** xmtp.mls.message_contents.WelcomeWrapperAlgorithm CURVE25519. */
export const WELCOME_WRAPPER_ALGORITHM_CURVE25519 = 1;

/** A welcome carries the ratchet tree; XMTP's gRPC payload limit (25 MiB) bounds it. */
export const MAX_WRAPPED_WELCOME_BYTES = 25 * 1024 * 1024;

/** AEAD tag of ChaCha20-Poly1305: the sealed metadata is its plaintext plus this. */
const AEAD_TAG_BYTES = 16;

export interface WrapWelcomeInput {
  /** TLS MLSMessage(welcome), as openmls `MlsMessageOut` serialises it. */
  welcomeTls: Uint8Array;
  /** Encoded WelcomeMetadata (see encodeWelcomeMetadata). */
  welcomeMetadata: Uint8Array;
  /** The recipient key package's init key (X25519). */
  recipientInitKey: Uint8Array;
}

/** The fields of WelcomeMessageInput.V1 this produces (installation_key is the caller's). */
export interface WrappedWelcome {
  /** TLS HPKECiphertext{kem_output, ciphertext}. */
  data: Uint8Array;
  /** The metadata sealed as the context's second message: bare ciphertext. */
  welcomeMetadata: Uint8Array;
  hpkePublicKey: Uint8Array;
  wrapperAlgorithm: typeof WELCOME_WRAPPER_ALGORITHM_CURVE25519;
}

export interface UnwrapWelcomeInput {
  data: Uint8Array;
  welcomeMetadata: Uint8Array;
  /** The X25519 init private key of the key package the welcome was wrapped to. */
  initPrivateKey: Uint8Array;
}

export interface UnwrappedWelcome {
  welcomeTls: Uint8Array;
  /** Encoded WelcomeMetadata; empty when the sender sent none. */
  welcomeMetadata: Uint8Array;
}

/**
 * libxmtp's outer welcome encryption (xmtp_mls/src/groups/mls_ext/welcome_wrapper.rs
 * `wrap_welcome`, WrapperAlgorithm::Curve25519): HPKE base mode, DHKEM(X25519, HKDF-SHA256),
 * HKDF-SHA256 and ChaCha20-Poly1305 whatever the MLS suite; info = TLS EncryptContext with label
 * "MLS 1.0 MLS_WELCOME" (openmls adds the "MLS 1.0 " prefix) and empty context; empty aad.
 * One context seals the welcome (sequence 0) and then the metadata (sequence 1).
 */
export async function wrapWelcome(input: WrapWelcomeInput): Promise<WrappedWelcome> {
  const { welcomeTls, welcomeMetadata, recipientInitKey } = input;
  if (recipientInitKey.length !== 32) {
    throw new ParleyError('Mls.BadInput', 'The recipient init key is not an X25519 public key.', {
      details: `${recipientInitKey.length} bytes`,
    });
  }
  const suite = welcomeWrapperSuite();
  let recipientPublicKey: CryptoKey;
  try {
    recipientPublicKey = await suite.kem.deserializePublicKey(recipientInitKey);
  } catch (cause) {
    throw new ParleyError('Mls.BadInput', 'The recipient init key is not an X25519 public key.', { cause });
  }
  const sender = await suite.createSenderContext({ recipientPublicKey, info: welcomeHpkeInfo() });
  const ciphertext = new Uint8Array(await sender.seal(welcomeTls));
  const sealedMetadata = new Uint8Array(await sender.seal(welcomeMetadata));
  return {
    data: encodeHpkeCiphertext({ kemOutput: new Uint8Array(sender.enc), ciphertext }),
    welcomeMetadata: sealedMetadata,
    hpkePublicKey: recipientInitKey.slice(),
    wrapperAlgorithm: WELCOME_WRAPPER_ALGORITHM_CURVE25519,
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
  if (initPrivateKey.length !== 32) {
    throw new ParleyError('Mls.BadInput', 'The init private key is not an X25519 private key.', {
      details: `${initPrivateKey.length} bytes`,
    });
  }
  const decoded = decodeTlsExact(decodeHpkeCiphertext, data);
  if (!decoded.ok) {
    throw new ParleyError('Codec.Malformed', 'The wrapped welcome is not a TLS HPKECiphertext.', { details: decoded.reason });
  }
  const { kemOutput, ciphertext } = decoded.value;
  if (kemOutput.length !== 32) {
    throw new ParleyError('Codec.Malformed', 'The wrapped welcome is not a TLS HPKECiphertext.', {
      details: `kem_output is ${kemOutput.length} bytes; X25519 needs 32`,
    });
  }
  const suite = welcomeWrapperSuite();
  try {
    const recipientKey = await suite.kem.deserializePrivateKey(initPrivateKey);
    const recipient = await suite.createRecipientContext({ recipientKey, enc: kemOutput, info: welcomeHpkeInfo() });
    const welcomeTls = new Uint8Array(await recipient.open(ciphertext));
    const metadata = welcomeMetadata.length === 0 ? new Uint8Array() : new Uint8Array(await recipient.open(welcomeMetadata));
    return { welcomeTls, welcomeMetadata: metadata };
  } catch (cause) {
    throw new ParleyError('Mls.WelcomeDecryptFailed', 'The welcome could not be decrypted with this key package.', { cause });
  }
}

function welcomeWrapperSuite(): CipherSuite {
  return new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Chacha20Poly1305() });
}

/** TLS `EncryptContext{opaque label<V>; opaque context<V>}` (RFC 9420 §5.1.3). */
export function welcomeHpkeInfo(): Uint8Array {
  return encode(composeBufferEncoders([varLenDataEncoder, varLenDataEncoder]))([
    new TextEncoder().encode('MLS 1.0 MLS_WELCOME'),
    new Uint8Array(),
  ]);
}
