import { XWing } from '@hpke/hybridkem-x-wing';
import { WelcomeWrapperEncryption } from '@xmtp/proto/mls/message_contents/wrapper_encryption.pb';
import type { Extension } from 'ts-mls';
import { ParleyError } from '../errors';
import { EXTENSION_WELCOME_WRAPPER_ENCRYPTION } from './keyPackageProfile';
import { WELCOME_WRAPPER_ALGORITHM_XWING } from './welcome';

/** An X-Wing (draft-06) key pair: the 32-byte seed is the private key, the public key is 1216 bytes. */
export interface XWingKeyPair {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

/**
 * A fresh X-Wing key pair for one key package's welcome wrapper (libxmtp identity.rs
 * `generate_post_quantum_key`: a new pair per key package, its private key kept with that key
 * package's, found again by the key package).
 */
export async function generateXWingKeyPair(): Promise<XWingKeyPair> {
  const kem = new XWing();
  try {
    const pair = await kem.generateKeyPair();
    return {
      privateKey: new Uint8Array(await kem.serializePrivateKey(pair.privateKey)),
      publicKey: new Uint8Array(await kem.serializePublicKey(pair.publicKey)),
    };
  } catch (cause) {
    throw new ParleyError('Mls.BadInput', 'An X-Wing key pair could not be generated.', { cause });
  }
}

/** The X-Wing public key that belongs to a 32-byte seed (X-Wing draft-06 §5.2 expandDecapsulationKey). */
export async function xwingPublicKeyOf(privateKey: Uint8Array): Promise<Uint8Array> {
  if (privateKey.length !== 32) {
    throw new ParleyError('Mls.BadInput', 'An X-Wing private key is a 32-byte seed.', { details: `${privateKey.length} bytes` });
  }
  const kem = new XWing();
  const pair = await kem.generateKeyPairDerand(privateKey.slice());
  return new Uint8Array(await kem.serializePublicKey(pair.publicKey));
}

/**
 * Whether a welcome can be wrapped to this X-Wing public key. Any 1216 bytes deserialize, but the
 * ML-KEM half may fail FIPS 203's encapsulation-key check (§7.2), which only encapsulation runs;
 * a key package offering such a key would make its welcome unsendable after the commit that added it.
 */
export async function isUsableXWingPublicKey(publicKey: Uint8Array): Promise<boolean> {
  if (publicKey.length !== 1216) return false;
  const kem = new XWing();
  try {
    const { sharedSecret } = await kem.encap({ recipientPublicKey: await kem.deserializePublicKey(publicKey.slice()) });
    new Uint8Array(sharedSecret).fill(0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Key-package extension 0xff03: protobuf WelcomeWrapperEncryption{pub_key, algorithm
 * XWING_MLKEM_768_DRAFT_6} (libxmtp identity.rs `build_post_quantum_public_key_extension`).
 */
export function welcomeWrapperEncryptionExtension(publicKey: Uint8Array): Extension {
  return {
    extensionType: EXTENSION_WELCOME_WRAPPER_ENCRYPTION,
    // A plain Uint8Array copy: protobufjs may hand back a Node Buffer view.
    extensionData: Uint8Array.from(WelcomeWrapperEncryption.encode({ pubKey: publicKey, algorithm: WELCOME_WRAPPER_ALGORITHM_XWING }).finish()),
  };
}
