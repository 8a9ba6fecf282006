import type { WelcomeMessage, WelcomeMessageInput } from '@xmtp/proto/mls/api/v1/mls.pb';
import { decodeMlsMessage, emptyPskIndex, joinGroup } from 'ts-mls';
import type { ClientState, Welcome } from 'ts-mls';
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import { decryptGroupInfo, decryptGroupSecrets } from 'ts-mls/welcome.js';
import type { NetworkApi } from '../api/networkApi';
import { ParleyError, isParleyError } from '../errors';
import { decodeTlsExact } from '../mls/decodeTlsExact';
import { bytesEqual } from '../mls/bytesEqual';
import { WELCOME_WRAPPER_ALGORITHM_CURVE25519, WELCOME_WRAPPER_ALGORITHM_XWING, unwrapWelcome, wrapWelcome } from '../mls/welcome';
import { decodeWelcomeMetadata, encodeWelcomeMetadata } from '../mls/welcomeMetadata';
import { toHex } from './bytes';
import type { ClientContext } from './clientContext';
import { groupLeafOf, leafNodeAt, type GroupLeaf } from './groupLeaves';
import { xmtpClientConfig } from './groupState';
import type { PostCommit } from './intentData';
import { decodeKeyPackageSecrets, decodeStoredKeyPackage, decodeStoredPublicKeyPackage, storedWelcomeWrapperPublicKey, type StoredKeyPackage } from './keyPackages';

/** libxmtp sends at most 50 welcomes per request (mls_sync.rs send_welcomes chunk_size). */
const WELCOMES_PER_REQUEST = 50;

/**
 * Sends a commit's welcome to every installation it added (libxmtp mls_sync.rs send_welcomes),
 * each wrapped as its key package asks: with X-Wing to its 0xff03 key when it offers one, else
 * with Curve25519 to its init key (libxmtp groups/intents.rs: the wrapper algorithm follows the
 * key package's WelcomeWrapperEncryption extension). The metadata carries the commit's node id so
 * the new member skips everything before it.
 */
export async function sendWelcomes(api: NetworkApi, post: PostCommit): Promise<void> {
  if (post.welcome === undefined || post.recipients.length === 0) return;
  const welcomeMetadata = encodeWelcomeMetadata(post.messageCursor ?? 0n);
  const inputs: WelcomeMessageInput[] = [];
  for (const recipient of post.recipients) {
    const wrapped =
      recipient.xwingKey === undefined
        ? await wrapWelcome({ welcomeTls: post.welcome, welcomeMetadata, recipientInitKey: recipient.initKey })
        : await wrapWelcome({
            welcomeTls: post.welcome,
            welcomeMetadata,
            recipientInitKey: recipient.xwingKey,
            wrapperAlgorithm: WELCOME_WRAPPER_ALGORITHM_XWING,
          });
    inputs.push({
      v1: {
        installationKey: recipient.installationKey,
        data: wrapped.data,
        hpkePublicKey: wrapped.hpkePublicKey,
        wrapperAlgorithm: wrapped.wrapperAlgorithm,
        welcomeMetadata: wrapped.welcomeMetadata,
      },
    });
  }
  for (let i = 0; i < inputs.length; i += WELCOMES_PER_REQUEST) {
    await api.sendWelcomeMessages({ messages: inputs.slice(i, i + WELCOMES_PER_REQUEST) });
  }
}

export interface OpenedWelcome {
  welcomeId: bigint;
  createdNs: bigint;
  state: ClientState;
  /** The member whose commit added us: the GroupInfo signer (openmls StagedWelcome::welcome_sender). */
  addedBy: GroupLeaf;
  /** Process only group messages after this node id (WelcomeMetadata.message_cursor). */
  messageCursor: bigint;
  /** The key package the welcome consumed. */
  keyPackageId: string;
}

/**
 * Opens a welcome addressed to this installation (libxmtp groups/mls_ext/decrypted_welcome.rs):
 * the key package is found by the welcome's HPKE public key (its init key for Curve25519, its
 * 0xff03 key for X-Wing), the wrapper is opened with that key's private half, and the group is
 * joined with the ratchet tree the welcome carries. Parley advertises no 0xff04, so no welcome
 * pointer is addressed to it.
 */
export async function openWelcome(ctx: ClientContext, message: WelcomeMessage): Promise<OpenedWelcome> {
  const v1 = message.v1;
  if (v1 === undefined) {
    throw new ParleyError('Mls.InvalidWelcome', 'Only WelcomeMessage.V1 can be addressed to this installation.', {
      details: message.welcomePointer === undefined ? 'no version' : 'welcome pointer',
    });
  }
  if (toHex(v1.installationKey) !== ctx.installationId) {
    throw new ParleyError('Mls.InvalidWelcome', 'The welcome is addressed to another installation.', { details: toHex(v1.installationKey) });
  }
  const xwing = v1.wrapperAlgorithm === WELCOME_WRAPPER_ALGORITHM_XWING;
  if (!xwing && v1.wrapperAlgorithm !== WELCOME_WRAPPER_ALGORITHM_CURVE25519) {
    throw new ParleyError('Mls.InvalidWelcome', 'The welcome uses a wrapper this installation did not advertise.', {
      details: `wrapper algorithm ${v1.wrapperAlgorithm}`,
    });
  }
  const found = xwing ? await keyPackageByWelcomeWrapperKey(ctx, v1.hpkePublicKey) : await keyPackageByInitKey(ctx, v1.hpkePublicKey);
  const { keyPackageId, keyPackage, privateKeys } = found;
  const wrapperPrivateKey = xwing ? found.welcomeWrapperPrivateKey : privateKeys.initPrivateKey;
  try {
    if (wrapperPrivateKey === undefined) {
      throw new ParleyError('Mls.InvalidWelcome', 'The welcome is wrapped with X-Wing to a key package that offers no X-Wing key.', {
        details: `key package ${keyPackageId}`,
      });
    }
    const unwrapped = await unwrapWelcome({
      data: v1.data,
      welcomeMetadata: v1.welcomeMetadata,
      initPrivateKey: wrapperPrivateKey,
      wrapperAlgorithm: xwing ? WELCOME_WRAPPER_ALGORITHM_XWING : WELCOME_WRAPPER_ALGORITHM_CURVE25519,
    });
    const decoded = decodeTlsExact(decodeMlsMessage, unwrapped.welcomeTls);
    if (!decoded.ok || decoded.value.wireformat !== 'mls_welcome') {
      throw new ParleyError('Mls.InvalidWelcome', 'The welcome does not hold an MLS Welcome.', {
        details: decoded.ok ? decoded.value.wireformat : decoded.reason,
      });
    }
    const welcome = decoded.value.welcome;
    let signer: number;
    try {
      signer = await groupInfoSigner(ctx, welcome, keyPackage, privateKeys.initPrivateKey);
    } catch (cause) {
      if (cause instanceof ParleyError) throw cause;
      throw new ParleyError('Mls.InvalidWelcome', 'The welcome has no group secrets for this key package.', {
        details: cause instanceof Error ? cause.message : String(cause),
        cause,
      });
    }
    let state: ClientState;
    try {
      state = await joinGroup(welcome, keyPackage, privateKeys, emptyPskIndex, ctx.cs, undefined, undefined, xmtpClientConfig());
    } catch (cause) {
      throw new ParleyError('Mls.InvalidWelcome', 'The welcome could not be joined.', {
        details: cause instanceof Error ? cause.message : String(cause),
        cause,
      });
    }
    const signerLeaf = leafNodeAt(state.ratchetTree, signer);
    if (signerLeaf === undefined) throw new ParleyError('Mls.InvalidWelcome', 'The welcome’s signer is not a member.');
    let messageCursor = 0n;
    if (unwrapped.welcomeMetadata.length > 0) {
      try {
        messageCursor = decodeWelcomeMetadata(unwrapped.welcomeMetadata).messageCursor;
      } catch {
        // libxmtp ignores metadata it cannot read (deserialize_welcome_metadata … .ok()).
      }
    }
    return {
      welcomeId: BigInt.asUintN(64, v1.id.toBigInt()),
      createdNs: BigInt.asUintN(64, v1.createdNs.toBigInt()),
      state,
      addedBy: groupLeafOf(signerLeaf, signer),
      messageCursor,
      keyPackageId,
    };
  } finally {
    // The leaf and signature keys live on in the joined state; the init and wrapper keys' work is done.
    privateKeys.initPrivateKey.fill(0);
    found.welcomeWrapperPrivateKey?.fill(0);
  }
}

type FoundKeyPackage = StoredKeyPackage & { keyPackageId: string };

/** A Curve25519-wrapped welcome names its key package by the init key, which is the record's id. */
async function keyPackageByInitKey(ctx: ClientContext, initKey: Uint8Array): Promise<FoundKeyPackage> {
  const keyPackageId = toHex(initKey);
  const stored = await ctx.store.getKeyPackage(keyPackageId);
  if (stored === undefined) {
    throw new ParleyError('Mls.InvalidWelcome', 'The welcome is wrapped to a key package this installation does not hold.', {
      details: `init key ${keyPackageId}`,
    });
  }
  return { keyPackageId, ...decodeStoredKeyPackage(stored) };
}

/**
 * An X-Wing-wrapped welcome names its key package by the 0xff03 public key (libxmtp
 * decrypted_welcome.rs find_key_package_hash_ref). An installation holds its current key package
 * and those replaced in the last day, so looking through them all is cheap. Only the match has its
 * secrets read; a record that does not decode cannot be the match and keeps no welcome from the others.
 */
async function keyPackageByWelcomeWrapperKey(ctx: ClientContext, publicKey: Uint8Array): Promise<FoundKeyPackage> {
  for (const record of await ctx.store.listKeyPackages()) {
    let keyPackage;
    try {
      keyPackage = decodeStoredPublicKeyPackage(record);
    } catch (e) {
      if (isParleyError(e)) continue;
      throw e;
    }
    const offered = storedWelcomeWrapperPublicKey(keyPackage);
    if (offered !== undefined && bytesEqual(offered, publicKey)) {
      return { keyPackageId: record.id, keyPackage, ...decodeKeyPackageSecrets(record.privateKeys) };
    }
  }
  throw new ParleyError('Mls.InvalidWelcome', 'The welcome is wrapped to an X-Wing key this installation does not hold.', {
    details: `${publicKey.length}-byte key`,
  });
}

/** The GroupInfo's signer leaf: the steps joinGroup takes, stopped before the join. */
async function groupInfoSigner(
  ctx: ClientContext,
  welcome: Welcome,
  keyPackage: Parameters<typeof makeKeyPackageRef>[0],
  initPrivateKey: Uint8Array,
): Promise<number> {
  const ref = await makeKeyPackageRef(keyPackage, ctx.cs.hash);
  const key = await ctx.cs.hpke.importPrivateKey(initPrivateKey);
  const secrets = await decryptGroupSecrets(key, ref, welcome, ctx.cs.hpke);
  if (secrets === undefined) throw new ParleyError('Mls.InvalidWelcome', 'The welcome has no group secrets for this key package.');
  if (secrets.psks.length > 0) throw new ParleyError('Mls.InvalidWelcome', 'XMTP welcomes carry no pre-shared keys.');
  const info = await decryptGroupInfo(welcome, secrets.joinerSecret, new Uint8Array(ctx.cs.kdf.size), ctx.cs);
  if (info === undefined) throw new ParleyError('Mls.InvalidWelcome', 'The welcome’s group info does not decrypt.');
  return info.signer;
}
