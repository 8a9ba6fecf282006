import type { Access, Conversation, GroupPermissions, IdentitySummary, Message, RpcMethod, Settings, VaultState } from '../../src/core/rpc';
import type { InboxUiEvent } from '../../src/core/rpc/ui';
import type { EventPort } from '../../src/popup/inbox/inboxEvents';

type Params = Record<string, unknown> & { conversationId?: string; password?: string; label?: string; id?: string; origin?: string; method?: string; limit?: number; name?: string; state?: 'allowed' | 'denied'; content?: { text: string } };
type Reply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string; retryAfterMs?: number } };

export const ALICE: IdentitySummary = {
  id: '01',
  label: 'Alice',
  address: '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
  inboxId: '82249fd587e2b1819c1fb64623cdda6ec397e289986051e4dacf5ab2f294a61c',
  installationId: 'ab'.repeat(32),
  createdAt: 1,
};
export const WORK: IdentitySummary = { ...ALICE, id: '02', label: 'Work', address: '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc', inboxId: 'cd'.repeat(32) };
export const BOB_INBOX = 'b0'.repeat(32);
export const IMPORTED_ADDRESS = '0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a';
export const BOB_ADDRESS = '0x90f79bf6eb2c4f870365e785982e1f101e93b906';
/** How the popup names Bob once the worker gave his address: its start and end. */
export const BOB_NAME = '0x90f7…b906';
export const PASSWORD = 'correct horse battery';

/** The popup's end of its event port; the worker's side is FakeWorker.push and FakeWorker.stop. */
export class FakeEventPort implements EventPort {
  private readonly messageListeners: ((message: unknown) => void)[] = [];
  private readonly disconnectListeners: (() => void)[] = [];
  open = true;
  readonly onMessage = { addListener: (fn: (message: unknown) => void) => void this.messageListeners.push(fn) };
  readonly onDisconnect = { addListener: (fn: () => void) => void this.disconnectListeners.push(fn) };

  disconnect(): void {
    this.open = false;
  }

  /** As Chrome delivers: a JSON copy, in a later task. */
  deliver(message: unknown): void {
    const copy = JSON.parse(JSON.stringify(message)) as unknown;
    setTimeout(() => {
      if (this.open) for (const fn of this.messageListeners) fn(copy);
    }, 0);
  }

  drop(): void {
    if (!this.open) return;
    this.open = false;
    setTimeout(() => {
      for (const fn of this.disconnectListeners) fn();
    }, 0);
  }
}

/**
 * The worker as the popup sees it: typed UI messages in, `{ ok, result | error }` out, with
 * just enough state to answer like the real one. Every call is recorded for assertions.
 */
export class FakeWorker {
  state: VaultState = 'locked';
  identities: IdentitySummary[] = [ALICE];
  activeId: string | null = ALICE.id;
  conversations: Conversation[] = [];
  messages = new Map<string, Message[]>();
  readNs = new Map<string, bigint>();
  /** Muted conversation ids (the real worker keeps them per identity). */
  muted = new Set<string>();
  grants: Access[] = [];
  settings: Settings = { nodeUrl: 'http://localhost:5557', autoLockMinutes: 15, grantedSitesKeepUnlocked: false };
  /** inbox id → account address, as the worker reads them from identity logs. */
  addresses = new Map<string, string>([[BOB_INBOX, BOB_ADDRESS]]);
  /** When set, vault_unlock is refused as the throttled worker refuses it, with this wait. */
  unlockThrottleMs = 0;
  readonly calls: { method: string; params?: unknown }[] = [];
  /** A window.xmtp method named here fails with this code and message, as the worker reports it. */
  readonly dappFailures = new Map<string, { code: string; message: string }>();
  /** A method named here answers only after its promise settles (a slow node, a long sync). */
  readonly held = new Map<string, Promise<void>>();
  readonly ports: FakeEventPort[] = [];
  private clock = 1_700_000_000_000_000_000n;

  readonly connect = (): EventPort => {
    const port = new FakeEventPort();
    this.ports.push(port);
    return port;
  };

  /** Pushes an event to every open popup port, as the real worker does. */
  push(event: InboxUiEvent): void {
    for (const port of this.ports) if (port.open) port.deliver(event);
  }

  /** The MV3 worker stops: every port drops. */
  stop(): void {
    for (const port of this.ports) port.drop();
  }

  get openPorts(): number {
    return this.ports.filter((p) => p.open).length;
  }

  /** What an unread push would carry now. */
  counts() {
    return this.activity();
  }

  readonly send = async (message: unknown): Promise<Reply> => {
    const { method, params } = message as { method: string; params?: unknown };
    this.calls.push(params === undefined ? { method } : { method, params });
    await this.held.get(method);
    try {
      return { ok: true, result: await this.answer(method, params as Params) };
    } catch (e) {
      const { code, message: text, retryAfterMs } = e as { code: string; message: string; retryAfterMs?: number };
      return { ok: false, error: retryAfterMs === undefined ? { code, message: text } : { code, message: text, retryAfterMs } };
    }
  };

  callsOf(method: string): unknown[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.params);
  }

  dappCallsOf(method: RpcMethod): unknown[] {
    return this.callsOf('inbox_request')
      .map((p) => p as { method: string; params?: unknown })
      .filter((p) => p.method === method)
      .map((p) => p.params);
  }

  addConversation(c: Partial<Conversation> & { id: string; kind: Conversation['kind'] }): Conversation {
    const conversation: Conversation = {
      createdAtNs: String(this.tick()),
      consentState: 'allowed',
      memberInboxIds: [ALICE.inboxId, BOB_INBOX],
      ...(c.kind === 'dm' ? { peerInboxId: BOB_INBOX } : {}),
      ...c,
    };
    this.conversations.push(conversation);
    this.messages.set(conversation.id, []);
    return conversation;
  }

  receive(conversationId: string, text: string, sender = BOB_INBOX): Message {
    const list = this.messages.get(conversationId) ?? [];
    const m: Message = {
      id: `${conversationId}${list.length.toString(16).padStart(4, '0')}`,
      conversationId,
      senderInboxId: sender,
      sentAtNs: String(this.tick()),
      contentType: 'xmtp.org/text:1.0',
      content: { type: 'text', text },
    };
    list.push(m);
    this.messages.set(conversationId, list);
    return m;
  }

  private tick(): bigint {
    return (this.clock += 1_000_000_000n);
  }

  private fail(code: string, message: string, retryAfterMs?: number): never {
    throw retryAfterMs === undefined ? { code, message } : { code, message, retryAfterMs };
  }

  private status() {
    return this.state === 'unlocked'
      ? { state: this.state, identities: this.identities, activeIdentityId: this.activeId }
      : { state: this.state, identities: [], activeIdentityId: null };
  }

  private activity() {
    const unread: Record<string, number> = {};
    let total = 0;
    for (const c of this.conversations) {
      if (c.consentState === 'denied') continue;
      const read = this.readNs.get(c.id) ?? 0n;
      const n = (this.messages.get(c.id) ?? []).filter((m) => m.senderInboxId !== ALICE.inboxId && BigInt(m.sentAtNs) > read).length;
      if (n > 0) {
        unread[c.id] = n;
        total += n;
      }
    }
    return { unread, total };
  }

  private addressesOf(inboxIds: string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const id of inboxIds) {
      const address = this.addresses.get(id);
      if (address) out[id] = address;
    }
    return out;
  }

  private async answer(method: string, p: Params): Promise<unknown> {
    switch (method) {
      case 'vault_status':
        return this.status();
      case 'vault_create':
        this.state = 'unlocked';
        this.identities = [];
        this.activeId = null;
        return this.status();
      case 'vault_unlock':
        if (this.unlockThrottleMs > 0) this.fail('Vault.Throttled', 'Too many wrong passwords; try again later.', this.unlockThrottleMs);
        if (p['password'] !== PASSWORD) this.fail('Vault.WrongPassword', 'Wrong password.');
        this.state = 'unlocked';
        return this.status();
      case 'vault_lock':
        this.state = 'locked';
        return this.status();
      case 'identity_create': {
        const created = { ...WORK, id: String(this.identities.length + 1).padStart(2, '0'), label: p['label'] ?? `Identity ${this.identities.length + 1}` };
        this.identities = [...this.identities, created];
        // As the worker: only the first identity becomes active by itself.
        this.activeId ??= created.id;
        return created;
      }
      case 'identity_import': {
        const created = { ...WORK, id: String(this.identities.length + 1).padStart(2, '0'), label: p['label'] ?? 'Imported', address: IMPORTED_ADDRESS, inboxId: 'ee'.repeat(32) };
        this.identities = [...this.identities, created];
        this.activeId ??= created.id;
        return created;
      }
      case 'identity_select': {
        const from = this.identities.find((i) => i.id === this.activeId);
        const to = this.identities.find((i) => i.id === p.id);
        if (!to) this.fail('Rpc.NotFound', 'No such identity.');
        if (p['sitesFollow'] === true && from) {
          this.grants = this.grants.map((g) => (g.inboxId === from.inboxId ? { ...g, inboxId: to.inboxId, address: to.address } : g));
        }
        this.activeId = to.id;
        return this.status();
      }
      case 'grants_list':
        return this.grants;
      case 'grants_revoke':
        this.grants = this.grants.filter((g) => g.origin !== p['origin']);
        return true;
      case 'grants_share':
        return true;
      case 'settings_get':
        return this.settings;
      case 'settings_set':
        if (p['nodeUrl'] !== undefined && !String(p['nodeUrl']).startsWith('http')) this.fail('Rpc.InvalidParams', 'Invalid params.');
        this.settings = { ...this.settings, ...(p as Partial<Settings>) };
        return this.settings;
      case 'conversation_setMuted':
        if (p['muted'] === true) this.muted.add(p.conversationId ?? '');
        else this.muted.delete(p.conversationId ?? '');
        return { muted: p['muted'] === true };
      case 'conversation_muted':
        return { muted: this.muted.has(p.conversationId ?? '') };
      case 'inbox_activity':
        if (this.state !== 'unlocked') this.fail('Vault.Locked', 'Parley is locked.');
        return this.activity();
      case 'inbox_markRead': {
        const last = (this.messages.get(p.conversationId ?? '') ?? []).at(-1);
        if (last) this.readNs.set(p.conversationId ?? '', BigInt(last.sentAtNs));
        return this.activity();
      }
      case 'inbox_summaries': {
        if (this.state !== 'unlocked') this.fail('Vault.Locked', 'Parley is locked.');
        const conversations: Record<string, { lastMessage?: Message }> = {};
        for (const c of this.conversations) {
          const last = (this.messages.get(c.id) ?? []).filter((m) => m.content.type !== 'readReceipt').at(-1);
          conversations[c.id] = last ? { lastMessage: last } : {};
        }
        const peers = this.conversations.flatMap((c) => (c.kind === 'dm' && c.peerInboxId ? [c.peerInboxId] : []));
        for (const summary of Object.values(conversations)) if (summary.lastMessage) peers.push(summary.lastMessage.senderInboxId);
        return { conversations, addresses: this.addressesOf(peers) };
      }
      case 'inbox_addresses':
        if (this.state !== 'unlocked') this.fail('Vault.Locked', 'Parley is locked.');
        return this.addressesOf((p['inboxIds'] as string[] | undefined) ?? []);
      case 'inbox_request':
        if (this.state !== 'unlocked') this.fail('Vault.Locked', 'Parley is locked.');
        return this.dapp(p.method ?? '', (p as { params?: Params })['params'] ?? ({} as Params));
      default:
        return this.fail('Rpc.UnsupportedMethod', `Unknown UI method ${method}.`);
    }
  }

  /** Each group's roles and policies, as the admin and permission calls change them. */
  readonly groupRoles = new Map<string, GroupPermissions>();
  private roles(conversationId: string): GroupPermissions {
    let roles = this.groupRoles.get(conversationId);
    if (!roles) {
      roles = {
        conversationId,
        preset: 'default',
        adminInboxIds: [],
        superAdminInboxIds: [ALICE.inboxId],
        policies: { addMember: 'allow', removeMember: 'admin', addAdmin: 'superAdmin', removeAdmin: 'superAdmin', updatePermissions: 'superAdmin', updateMetadata: { group_name: 'allow', description: 'allow' } },
      };
      this.groupRoles.set(conversationId, roles);
    }
    return roles;
  }

  private dapp(method: string, p: Params): unknown {
    const failure = this.dappFailures.get(method);
    if (failure) this.fail(failure.code, failure.message);
    switch (method) {
      case 'xmtp_getInbox':
        return { inboxId: ALICE.inboxId, address: ALICE.address, installationId: ALICE.installationId };
      case 'xmtp_listConversations':
        return this.conversations;
      case 'xmtp_getMessages':
        return (this.messages.get(p.conversationId ?? '') ?? []).slice(-(p['limit'] ?? 50));
      case 'xmtp_sendMessage': {
        return { id: this.receive(p.conversationId ?? '', p.content?.text ?? '', ALICE.inboxId).id };
      }
      case 'xmtp_createDm':
        return this.addConversation({ id: 'd1', kind: 'dm' });
      case 'xmtp_createGroup':
        return this.addConversation({ id: 'e1', kind: 'group', ...(p['name'] ? { name: p['name'] } : {}) });
      case 'xmtp_groupPermissions':
        return structuredClone(this.roles(p.conversationId ?? ''));
      case 'xmtp_addAdmin':
      case 'xmtp_removeAdmin': {
        const id = (p as { inboxId?: string }).inboxId ?? '';
        const roles = this.roles(p.conversationId ?? '');
        roles.adminInboxIds = method === 'xmtp_addAdmin' ? [...roles.adminInboxIds, id] : roles.adminInboxIds.filter((a) => a !== id);
        return structuredClone(roles);
      }
      case 'xmtp_updatePermission': {
        const q = p as { update?: string; option?: string; field?: string };
        const roles = this.roles(p.conversationId ?? '');
        if (q.update === 'updateMetadata' && q.field) roles.policies.updateMetadata[q.field] = q.option as 'allow';
        else if (q.update === 'addMember' || q.update === 'removeMember') roles.policies[q.update] = q.option as 'allow';
        roles.preset = 'custom';
        return structuredClone(roles);
      }
      case 'xmtp_setConsent':
        this.conversations = this.conversations.map((c) => (c.id === p.conversationId && p.state ? { ...c, consentState: p.state } : c));
        return true;
      default:
        return this.fail('Rpc.UnsupportedMethod', `Unknown method ${method}.`);
    }
  }
}
