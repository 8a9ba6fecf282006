import type { Access, AccessScope, InboxInfo } from '../core/rpc/schema';
import type { SdkContext } from './conversation';
import { Conversations } from './conversations';
import type { DiscoverOptions } from './discoverProvider';
import { discoverProvider } from './discoverProvider';
import type { XmtpProvider } from './provider';
import { rpcOver } from './rpc';

export interface ConnectOptions extends DiscoverOptions {
  /** `site` (default): what was created or shared here; `inbox`: the whole inbox. The user decides. */
  scope?: AccessScope;
  /** Skip discovery and use this provider. */
  provider?: XmtpProvider;
}

/** A connected dApp: the user granted this origin access to the inbox below. */
export class ParleyClient {
  readonly conversations: Conversations;

  private constructor(
    private readonly ctx: SdkContext,
    private accessValue: Access,
    private inbox: InboxInfo,
  ) {
    this.conversations = new Conversations(ctx);
  }

  /** Discovers the provider, asks for access (the extension prompts unless granted) and reads the inbox. */
  static async connect(options: ConnectOptions = {}): Promise<ParleyClient> {
    const provider = options.provider ?? (await discoverProvider(options)).provider;
    const rpc = rpcOver(provider);
    const access = await rpc('xmtp_requestAccess', options.scope === undefined ? {} : { scope: options.scope });
    const inbox = await rpc('xmtp_getInbox');
    return new ParleyClient({ rpc, provider }, access, inbox);
  }

  get provider(): XmtpProvider {
    return this.ctx.provider;
  }

  get inboxId(): string {
    return this.inbox.inboxId;
  }

  /** Lowercase 0x address of the account behind the inbox. */
  get address(): string {
    return this.inbox.address;
  }

  get installationId(): string {
    return this.inbox.installationId;
  }

  /** The grant as of connect, or of the last getAccess/accessChanged. */
  get access(): Access {
    return this.accessValue;
  }

  /** Never prompts; null once the user revoked this site. */
  async getAccess(): Promise<Access | null> {
    const access = await this.ctx.rpc('xmtp_getAccess');
    if (access) this.accessValue = access;
    return access;
  }

  /** Gives up this site's grant. */
  async revokeAccess(): Promise<void> {
    await this.ctx.rpc('xmtp_revokeAccess');
  }

  async canMessage(identifiers: readonly string[]): Promise<Map<string, boolean>> {
    const answer = await this.ctx.rpc('xmtp_canMessage', { identifiers: [...identifiers] });
    return new Map(identifiers.map((id) => [id, answer[id] === true]));
  }

  /**
   * Called when the user grants, changes or revokes (null) this site's access. When the user
   * switched identity and the site followed, the grant names another inbox: inboxId and address
   * are re-read before the listener runs, so it sees the new ones. Returns an unsubscribe.
   */
  onAccessChanged(listener: (access: Access | null) => void): () => void {
    let latest = 0;
    const fn = (access: Access | null): void => {
      const seq = ++latest;
      if (!access || access.inboxId === this.inbox.inboxId) {
        if (access) this.accessValue = access;
        listener(access);
        return;
      }
      void this.ctx.rpc('xmtp_getInbox').then(
        (inbox) => {
          // A newer event came while this one read the inbox: it has the say.
          if (seq !== latest) return;
          this.inbox = inbox;
          this.accessValue = access;
          listener(access);
        },
        // Switched again (or locked) meanwhile: the event that follows tells the listener.
        () => undefined,
      );
    };
    this.ctx.provider.on('accessChanged', fn);
    return () => {
      this.ctx.provider.removeListener('accessChanged', fn);
    };
  }
}
