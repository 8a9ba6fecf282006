import { signal } from '@preact/signals';
import type { AccessScope, Dm, Group, Message, ParleyClient, XmtpProvider } from '../src/sdk';
// The file, not the folder: vitest resolves a folder import from demo/ to /src/sdk (test/demo).
import { discoverProvider, isXmtpRpcError, Parley } from '../src/sdk/index';

type AnyConversation = Dm | Group;

/** What a person reads for a failed call: the EIP-1193 code and the extension's message. */
function describe(error: unknown): string {
  if (isXmtpRpcError(error)) return `${error.message} (${error.code}${error.parleyCode ? ` ${error.parleyCode}` : ''})`;
  return error instanceof Error ? error.message : String(error);
}

/** The demo's state: the connection, the conversations this site sees, and the open one. */
export function createDemoStore() {
  const provider = signal<XmtpProvider | null | undefined>(undefined);
  const client = signal<ParleyClient | null>(null);
  /** The inbox the site uses; changes when the user switches identity in Parley and the site follows. */
  const identity = signal<{ address: string; inboxId: string } | null>(null);
  const conversations = signal<AnyConversation[]>([]);
  const unread = signal<Record<string, number>>({});
  const openId = signal<string | null>(null);
  const messages = signal<Message[]>([]);
  const error = signal('');
  const notice = signal('');
  let stopStreams: (() => void) | null = null;

  const guard = async (work: () => Promise<void>): Promise<void> => {
    error.value = '';
    try {
      await work();
    } catch (e) {
      error.value = describe(e);
    }
  };

  const loadConversations = async (): Promise<void> => {
    const c = client.value;
    if (c) conversations.value = await c.conversations.list();
  };

  const open = async (conversation: AnyConversation): Promise<void> => {
    openId.value = conversation.id;
    const { [conversation.id]: _, ...rest } = unread.value;
    unread.value = rest;
    messages.value = await conversation.messages({ limit: 100 });
  };

  const addConversation = (conversation: AnyConversation): void => {
    conversations.value = [conversation, ...conversations.value.filter((c) => c.id !== conversation.id)];
  };

  /** Live messages and conversations while connected (the SDK's AsyncIterables). */
  const stream = (c: ParleyClient): void => {
    const messageStream = c.conversations.streamAllMessages();
    const conversationStream = c.conversations.stream();
    void (async () => {
      for await (const message of messageStream) {
        if (message.conversationId === openId.value) {
          if (!messages.value.some((m) => m.id === message.id)) messages.value = [...messages.value, message];
        } else {
          unread.value = { ...unread.value, [message.conversationId]: (unread.value[message.conversationId] ?? 0) + 1 };
          if (!conversations.value.some((x) => x.id === message.conversationId)) await loadConversations().catch(() => undefined);
        }
      }
    })().catch((e: unknown) => (error.value = describe(e)));
    void (async () => {
      for await (const conversation of conversationStream) addConversation(conversation);
    })().catch(() => undefined);
    const offAccess = c.onAccessChanged((access) => {
      if (access === null) {
        disconnected();
        notice.value = 'This site has no access now: it was revoked, or Parley switched to another identity.';
        return;
      }
      if (identity.value?.inboxId === c.inboxId) return;
      // Another identity: the SDK re-read the inbox before calling; what was shown belonged to the old one.
      identity.value = { address: c.address, inboxId: c.inboxId };
      openId.value = null;
      messages.value = [];
      unread.value = {};
      conversations.value = [];
      notice.value = `Parley switched this site to ${c.address}.`;
      void loadConversations().catch((e: unknown) => (error.value = describe(e)));
    });
    stopStreams = () => {
      void messageStream.return();
      void conversationStream.return?.();
      offAccess();
    };
  };

  const disconnected = (): void => {
    stopStreams?.();
    stopStreams = null;
    client.value = null;
    identity.value = null;
    conversations.value = [];
    messages.value = [];
    openId.value = null;
    unread.value = {};
  };

  let connecting = false;
  const connect = (scope: AccessScope, p: XmtpProvider) =>
    guard(async () => {
      notice.value = '';
      connecting = true;
      const c = await Parley.connect({ provider: p, scope }).finally(() => (connecting = false));
      client.value = c;
      identity.value = { address: c.address, inboxId: c.inboxId };
      stream(c);
      await loadConversations();
    });

  return {
    provider,
    client,
    identity,
    conversations,
    unread,
    openId,
    messages,
    error,
    notice,
    /** Finds the extension; reconnects at once when this site already has access (no prompt). */
    start: async (): Promise<void> => {
      try {
        const found = await discoverProvider({ timeoutMs: 1500 });
        provider.value = found.provider;
        // Access given while disconnected (the user switched back to the identity this site uses): reconnect.
        found.provider.on('accessChanged', (access) => {
          // Not while connecting: the grant being made announces itself too.
          if (access && !client.value && !connecting) void connect(access.scope, found.provider);
        });
        if (await found.provider.request({ method: 'xmtp_getAccess' })) await connect('site', found.provider);
      } catch (e) {
        if (provider.value === undefined) provider.value = null;
        else error.value = describe(e);
      }
    },
    connect: (scope: AccessScope) => {
      const p = provider.value;
      return p ? connect(scope, p) : Promise.resolve();
    },
    disconnect: () =>
      guard(async () => {
        await client.value?.revokeAccess();
        disconnected();
      }),
    refresh: () => guard(loadConversations),
    open: (conversation: AnyConversation) => guard(() => open(conversation)),
    createDm: (address: string) =>
      guard(async () => {
        const c = client.value;
        if (!c) return;
        const dm = await c.conversations.createDm(address);
        addConversation(dm);
        await open(dm);
      }),
    createGroup: (addresses: string[], name: string) =>
      guard(async () => {
        const c = client.value;
        if (!c) return;
        const group = await c.conversations.createGroup(addresses, name ? { name } : {});
        addConversation(group);
        await open(group);
      }),
    send: (text: string) =>
      guard(async () => {
        const conversation = conversations.value.find((c) => c.id === openId.value);
        if (!conversation) return;
        await conversation.sendText(text);
        messages.value = await conversation.messages({ limit: 100 });
      }),
  };
}

export type DemoStore = ReturnType<typeof createDemoStore>;
