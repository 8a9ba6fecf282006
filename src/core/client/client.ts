import type { NetworkApi } from '../api/networkApi';
import { createGrpcWebApi } from '../api/grpcWebClient';
import { ParleyError } from '../errors';
import type { SmartWalletVerifier } from '../identity/smartWalletVerifier';
import type { VerifiedSignatureCache } from '../identity/verifiedSignatureCache';
import { getXmtpCiphersuiteImpl } from '../mls/ciphersuite';
import { equalBytes } from '@noble/curves/utils.js';
import type { PaddingPolicy } from '../mls/padding';
import { toHex } from './bytes';
import type { ClientContext } from './clientContext';
import { Conversations, EventHub } from './conversations';
import { MessagingEngine, type InstallationCheckIntervals } from './engine';
import { DEFAULT_KEY_ROTATION, type KeyRotationPolicy } from './keyRotation';
import { identifierKind } from './identifiers';
import { memberIdentifiers } from '../identity/associationState';
import { IdentityDirectory } from './identityDirectory';
import { openOrRegisterInstallation, type AccountSigner } from './register';
import type { ClientStore } from './store';

export interface ClientOptions {
  /** The node API; or `apiUrl`, a node's gRPC-web URL. */
  api?: NetworkApi;
  apiUrl?: string;
  store: ClientStore;
  now?: () => Date;
  /** For smart-contract-wallet signers. */
  smartWalletVerifier?: SmartWalletVerifier;
  /**
   * Failures of background work (streams, welcomes that do not validate, groups that fail to
   * sync in syncAll): nothing is dropped silently. By default kept in `client.errors`.
   */
  onError?: (error: unknown) => void;
  /**
   * How often a group's members are checked for new installations on sync and on send (libxmtp:
   * 30 min and 5 s).
   */
  installationCheckIntervals?: InstallationCheckIntervals;
  /**
   * When this installation replaces its keys (post-compromise security; keyRotation.ts): by
   * default a self-update right after joining by welcome, then before a send once 7 days or 100
   * sent messages passed since the last (libxmtp: 30 days, no count), and a new key package
   * after each welcome and every 30 days. Fields left out keep their defaults.
   */
  keyRotation?: Partial<KeyRotationPolicy>;
  /**
   * Where checked identity signatures are remembered; by default one cache for the process,
   * so a Client rebuilt after an unlock does not check them again. Clients that stand for
   * separate devices in one process (benchmarks) each need their own.
   */
  signatureCache?: VerifiedSignatureCache;
  /**
   * Padding of application messages to size buckets so nodes see a bucket, not the exact
   * length: 'padme' (the default; docs/privacy.md) or 'none' (XMTP's own behaviour).
   */
  padding?: PaddingPolicy;
  /**
   * The push-filter root to keep with the identity (42 bytes), e.g. the one the user's other
   * installations share; by default the identity keeps its own random one.
   */
  hmacRootKey?: Uint8Array;
}

/** The account behind the inbox, as node-sdk's `Identifier`. */
export interface AccountIdentifier {
  identifier: string;
  identifierKind: 'Ethereum';
}

const MAX_KEPT_ERRORS = 100;

/**
 * An XMTP client for one installation of one inbox (@xmtp/node-sdk Client): registers the
 * installation on first use, reuses it from the store afterwards, and gives access to the
 * conversations. Platform-free: the store and the node API are passed in.
 */
export class Client {
  readonly conversations: Conversations;
  /** Background failures, newest last (when no onError was given). */
  readonly errors: unknown[] = [];
  private closed = false;

  private constructor(
    private readonly engine: MessagingEngine,
    hub: EventHub,
    onError: ((error: unknown) => void) | undefined,
  ) {
    const report =
      onError ??
      ((error: unknown) => {
        this.errors.push(error);
        if (this.errors.length > MAX_KEPT_ERRORS) this.errors.shift();
      });
    engine.reportError = report;
    this.conversations = new Conversations(engine, hub, report);
  }

  /**
   * Opens the store's installation for the signer's account, registering it when needed
   * (CreateInbox when the address has no inbox, then AddAssociation of a new installation,
   * its key package uploaded first), as libxmtp's client builder does.
   */
  static async create(signer: AccountSigner, options: ClientOptions): Promise<Client> {
    const api = options.api ?? (options.apiUrl !== undefined ? createGrpcWebApi({ url: options.apiUrl }) : undefined);
    if (api === undefined) throw new ParleyError('Client.BadInput', 'Client.create needs `api` or `apiUrl`.');
    const now = options.now ?? (() => new Date());
    const directory = new IdentityDirectory(api, options.store, options.signatureCache);
    const registerInput: Parameters<typeof openOrRegisterInstallation>[0] = { api, store: options.store, directory, signer, now };
    if (options.smartWalletVerifier !== undefined) registerInput.verifier = options.smartWalletVerifier;
    const identity = await openOrRegisterInstallation(registerInput);
    const hub = new EventHub();
    const ctx: ClientContext = {
      api,
      store: options.store,
      identity,
      installationId: toHex(identity.installationPublicKey),
      directory,
      cs: await getXmtpCiphersuiteImpl(),
      now,
      events: hub,
      padding: options.padding ?? 'padme',
    };
    const rotation: KeyRotationPolicy = { ...DEFAULT_KEY_ROTATION, ...definedFields(options.keyRotation ?? {}) };
    const engine = new MessagingEngine(ctx, options.installationCheckIntervals, rotation);
    if (options.hmacRootKey !== undefined && !equalBytes(options.hmacRootKey, engine.hmacRootKey)) await engine.setHmacRootKey(options.hmacRootKey);
    return new Client(engine, hub, options.onError);
  }

  /** A copy of the push-filter root, to give the user's other installations (libxmtp shares it by device sync). */
  exportHmacRootKey(): Uint8Array {
    return this.engine.hmacRootKey.slice();
  }

  get inboxId(): string {
    return this.engine.ctx.identity.inboxId;
  }

  /** Hex of the installation public key. */
  get installationId(): string {
    return this.engine.ctx.installationId;
  }

  get accountIdentifier(): AccountIdentifier {
    return { identifier: this.engine.ctx.identity.accountAddress, identifierKind: 'Ethereum' };
  }

  /** Which identifiers (addresses or inbox ids) have an XMTP inbox on the network. */
  async canMessage(identifiers: readonly string[]): Promise<Map<string, boolean>> {
    this.checkOpen();
    const out = new Map<string, boolean>();
    const addresses = identifiers.filter((id) => identifierKind(id) === 'address');
    const found = await this.engine.ctx.directory.inboxIdsFor(addresses);
    for (const id of identifiers) {
      if (identifierKind(id) === 'address') out.set(id, found.get(id.toLowerCase()) !== undefined);
      else out.set(id, (await this.engine.ctx.directory.latestSequenceId(id)) > 0n);
    }
    return out;
  }

  /**
   * The account address an inbox is known by, from its verified identity log (fetched when not
   * cached): its recovery address while that is still a member, else its first Ethereum member;
   * undefined for an inbox with no Ethereum member (libxmtp inbox_state's identifiers).
   */
  async accountAddressOf(inboxId: string): Promise<string | undefined> {
    this.checkOpen();
    const state = await this.engine.ctx.directory.stateAt(inboxId);
    if (state === undefined) return undefined;
    const addresses = memberIdentifiers(state).flatMap((id) => (id.kind === 'ethereum' ? [id.address.toLowerCase()] : []));
    const recovery = state.recoveryIdentifier.kind === 'ethereum' ? state.recoveryIdentifier.address.toLowerCase() : undefined;
    return recovery !== undefined && addresses.includes(recovery) ? recovery : addresses[0];
  }

  /** Replaces this installation's key package on the network (libxmtp rotate_and_upload_key_package). */
  rotateKeyPackage(): Promise<void> {
    this.checkOpen();
    return this.engine.rotateKeyPackage();
  }

  /** Ends the client's streams and refuses further calls; the store is the caller's to close. */
  close(): void {
    this.closed = true;
    this.conversations.closeStreams();
  }

  private checkOpen(): void {
    if (this.closed) throw new ParleyError('Client.Closed', 'The client is closed.');
  }
}

/** The fields that are set: `{ maxMessages: undefined }` keeps the default rather than erasing it. */
function definedFields<T extends object>(partial: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<T>;
}
