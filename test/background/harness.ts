import 'fake-indexeddb/auto';
import { expect } from 'vitest';
import { fakeBrowser } from '@webext-core/fake-browser';
import type { Background } from '../../src/background/background';
import { createBackground } from '../../src/background/background';
import type { AdminListChange, ConversationScope, ConversationView, Messaging, MessagingListener, PermissionChange } from '../../src/background/messaging';
import type { ActivityPlatform } from '../../src/background/uiInboxActivity';
import { sessionKeyStore } from '../../src/background/vault/vault';
import type { GroupPermissions, Message, UiMethod } from '../../src/core/rpc';
import type { FakePort } from '../content/fakePort';
import { portPair } from '../content/fakePort';
import { until } from '../content/fakeWindow';
import { freshDbName, PASSWORD } from './vault/helpers';

export const EXTENSION_ID = 'parleytestextensionid';
export const EXTENSION_ORIGIN = `chrome-extension://${EXTENSION_ID}`;

/** An in-memory engine: enough to see which origin gets which conversation and event. */
export class FakeMessaging implements Messaging {
  readonly conversations = new Map<string, ConversationView>();
  readonly sent: { conversationId: string; text: string }[] = [];
  /** inbox id → account address, as identity logs would give them. */
  readonly addresses = new Map<string, string>();
  /** Stored messages per conversation, newest last (getMessages pages them). */
  readonly messages = new Map<string, Message[]>();
  /** Full views built (members read): the hot paths should need none. */
  viewsBuilt = 0;
  listener: MessagingListener | null = null;
  /** How many streams were started. */
  streams = 0;
  private next = 1;

  add(view: Partial<ConversationView> = {}): ConversationView {
    const id = (this.next++).toString(16).padStart(32, '0');
    const full: ConversationView = { id, kind: 'group', createdAtNs: '1', consentState: 'allowed', memberInboxIds: [], ...view };
    this.conversations.set(full.id, full);
    return full;
  }

  async canMessage(addresses: string[]) {
    return Object.fromEntries(addresses.map((a) => [a, true]));
  }
  async listConversations() {
    this.viewsBuilt += this.conversations.size;
    return [...this.conversations.values()];
  }
  async listConversationScopes() {
    return [...this.conversations.values()].map(scopeOf);
  }
  async getConversation(id: string) {
    const view = this.conversations.get(id);
    if (view) this.viewsBuilt++;
    return view;
  }
  async getConversationScope(id: string) {
    const view = this.conversations.get(id);
    return view && scopeOf(view);
  }
  async createDm(address: string, origin: string) {
    return this.add({ kind: 'dm', peerInboxId: address, appDataOrigin: origin });
  }
  async createGroup(_addresses: string[], metadata: { name?: string }, origin: string) {
    return this.add({ kind: 'group', appDataOrigin: origin, ...(metadata.name ? { name: metadata.name } : {}) });
  }
  async getMessages(id: string, page: { limit?: number } = {}) {
    return (this.messages.get(id) ?? []).slice(-(page.limit ?? 50));
  }
  async sendMessage(conversationId: string, content: { type: string; text?: string }) {
    this.sent.push({ conversationId, text: content.text ?? '' });
    return { id: `m${this.sent.length}` };
  }
  async updateGroup(id: string) {
    return this.conversations.get(id)!;
  }
  async addMembers(id: string) {
    return this.conversations.get(id)!;
  }
  async removeMembers(id: string) {
    return this.conversations.get(id)!;
  }
  async setConsent(id: string, state: 'allowed' | 'denied') {
    this.conversations.get(id)!.consentState = state;
  }
  /** Conversations whose keys were updated, in order. */
  readonly keyUpdates: string[] = [];
  async updateKeys(id: string) {
    this.keyUpdates.push(id);
  }
  async accountAddressOf(inboxId: string) {
    return this.addresses.get(inboxId);
  }
  /** Stand-in keys: one group per conversation, its key the conversation id (no crypto here). */
  async hmacKeys(ids: string[]) {
    return ids.map((id) => ({ conversationId: id, groupId: id, topic: `/xmtp/mls/1/g-${id}/proto`, keys: [{ epoch: 693, key: id }] }));
  }
  /** Roles per conversation, changed by the admin calls as a group would change them. */
  readonly roles = new Map<string, { admins: string[]; superAdmins: string[] }>();
  readonly permissionChanges: { conversationId: string; change: PermissionChange }[] = [];
  async groupPermissions(id: string): Promise<GroupPermissions> {
    const roles = this.roles.get(id) ?? { admins: [], superAdmins: [] };
    return {
      conversationId: id,
      preset: this.permissionChanges.some((c) => c.conversationId === id) ? 'custom' : 'default',
      adminInboxIds: [...roles.admins],
      superAdminInboxIds: [...roles.superAdmins],
      policies: { addMember: 'allow', removeMember: 'admin', addAdmin: 'superAdmin', removeAdmin: 'superAdmin', updatePermissions: 'superAdmin', updateMetadata: {} },
    };
  }
  async updateAdminList(id: string, change: AdminListChange, inboxId: string) {
    const roles = this.roles.get(id) ?? { admins: [], superAdmins: [] };
    const list = change.endsWith('SuperAdmin') ? 'superAdmins' : 'admins';
    roles[list] = change.startsWith('add') ? [...new Set([...roles[list], inboxId])] : roles[list].filter((i) => i !== inboxId);
    this.roles.set(id, roles);
    return this.groupPermissions(id);
  }
  async updatePermission(id: string, change: PermissionChange) {
    this.permissionChanges.push({ conversationId: id, change });
    return this.groupPermissions(id);
  }
  async syncAll() {}
  stream(listener: MessagingListener) {
    this.streams++;
    this.listener = listener;
    return () => {
      if (this.listener === listener) this.listener = null;
    };
  }
  async close() {}

  /** The stream ends by itself, as a broken one would. */
  endStream(): void {
    const listener = this.listener;
    this.listener = null;
    listener?.ended?.(new Error('stream broke'));
  }

  deliver(conversation: ConversationScope, text: string): void {
    const message: Message = {
      id: `in${text}`,
      conversationId: conversation.id,
      senderInboxId: 'peer',
      sentAtNs: '5',
      contentType: 'xmtp.org/text:1.0',
      content: { type: 'text', text },
    };
    this.listener?.message(message, conversation);
  }
}

function scopeOf(view: ConversationView): ConversationScope {
  const { id, kind, consentState, name, appDataOrigin } = view;
  return { id, kind, consentState, ...(name === undefined ? {} : { name }), ...(appDataOrigin === undefined ? {} : { appDataOrigin }) };
}

/** The badge and notifications as the worker sets them, for tests that watch what a user sees. */
export class FakeSurfaces {
  badge = '';
  readonly notes: { id: string; title: string; message: string; quiet?: boolean }[] = [];
  popupIsOpen = false;
  readonly platform: ActivityPlatform = {
    setBadge: async (text) => {
      this.badge = text;
    },
    notify: async (id, note) => {
      this.notes.push({ id, ...note });
    },
    focusedOrigin: async () => null,
    popupOpen: async () => this.popupIsOpen,
  };
}

export interface Page {
  origin: string;
  port: FakePort;
  events: { event: string; data: unknown }[];
  request(method: string, params?: unknown): Promise<{ result?: unknown; error?: { code: number; message: string; data?: { code?: string } } }>;
}

export interface Harness {
  bg: Background;
  messaging: FakeMessaging;
  windows: { opened: string[]; closed: number[] };
  dbName: string;
  /** How many times the worker opened the engine. */
  opens(): number;
  ui<M extends UiMethod>(method: M, params?: unknown, url?: string): Promise<{ ok: boolean; result?: unknown; error?: { code: string } }>;
  page(origin: string): Page;
  /** Answers the newest approval window as the approval page would. */
  answerApproval(approved: boolean, scope?: 'site' | 'inbox'): Promise<void>;
  onboard(): Promise<void>;
  grant(origin: string, scope?: 'site' | 'inbox'): Promise<Page>;
}

export async function createHarness(options: { dbName?: string; messaging?: FakeMessaging; wakeSyncDelayMs?: number; openMessaging?: () => Promise<FakeMessaging>; streamRetryMs?: number[]; surfaces?: FakeSurfaces } = {}): Promise<Harness> {
  const dbName = options.dbName ?? freshDbName();
  const messaging = options.messaging ?? new FakeMessaging();
  const windows = { opened: [] as string[], closed: [] as number[] };
  let opens = 0;
  const bg = await createBackground({
    extensionId: EXTENSION_ID,
    extensionOrigin: EXTENSION_ORIGIN,
    session: sessionKeyStore(fakeBrowser.storage.session as unknown as chrome.storage.StorageArea),
    alarms: fakeBrowser.alarms as unknown as Parameters<typeof createBackground>[0]['alarms'],
    approvalWindows: {
      async open(id) {
        windows.opened.push(id);
        return 100 + windows.opened.length;
      },
      async close(windowId) {
        windows.closed.push(windowId);
      },
    },
    openMessaging: async () => {
      opens++;
      return options.openMessaging ? options.openMessaging() : messaging;
    },
    dbName,
    ...(options.wakeSyncDelayMs === undefined ? {} : { wakeSyncDelayMs: options.wakeSyncDelayMs }),
    ...(options.streamRetryMs === undefined ? {} : { streamRetryMs: options.streamRetryMs }),
    ...(options.surfaces === undefined ? {} : { activityPlatform: () => options.surfaces!.platform }),
  });

  const ui: Harness['ui'] = async (method, params, url = `${EXTENSION_ORIGIN}/src/popup/approval.html`) =>
    (await bg.onUiMessage({ parley: 'ui', method, params }, { id: EXTENSION_ID, url })) as { ok: boolean; result?: unknown; error?: { code: string } };

  let nextTab = 1;
  const page = (origin: string): Page => {
    const [content, worker] = portPair('parley-page', { id: EXTENSION_ID, origin, url: `${origin}/app`, frameId: 0, tab: { id: nextTab++ } as chrome.tabs.Tab });
    const events: Page['events'] = [];
    const waiting = new Map<number, (frame: never) => void>();
    content.onMessage.addListener((m) => {
      const frame = m as { type: string; id: number; event: string; data: unknown };
      if (frame.type === 'event') events.push({ event: frame.event, data: frame.data });
      else waiting.get(frame.id)?.(frame as never);
    });
    bg.onConnect(worker);
    let id = 0;
    return {
      origin,
      port: content,
      events,
      request(method, params) {
        const rid = ++id;
        return new Promise((resolve) => {
          waiting.set(rid, resolve as never);
          content.postMessage(params === undefined ? { type: 'request', id: rid, method } : { type: 'request', id: rid, method, params });
        });
      },
    };
  };

  const answerApproval = async (approved: boolean, scope?: 'site' | 'inbox') => {
    await until(() => windows.opened.length > 0);
    const approvalId = windows.opened.at(-1)!;
    const reply = await ui('approval_decide', scope ? { approvalId, approved, scope } : { approvalId, approved });
    if (!reply.ok) throw new Error(`approval_decide failed: ${JSON.stringify(reply.error)}`);
  };

  const onboard = async () => {
    expect((await ui('vault_create', { password: PASSWORD })).ok).toBe(true);
    expect((await ui('identity_create', {})).ok).toBe(true);
  };

  const grant = async (origin: string, scope: 'site' | 'inbox' = 'site') => {
    const p = page(origin);
    const before = windows.opened.length;
    const answer = p.request('xmtp_requestAccess', { scope });
    await until(() => windows.opened.length > before);
    await answerApproval(true, scope);
    const { result } = await answer;
    expect(result).toMatchObject({ origin, scope });
    return p;
  };

  return { bg, messaging, windows, dbName, opens: () => opens, ui, page, answerApproval, onboard, grant };
}

export function resetBrowser(): void {
  fakeBrowser.reset();
}
