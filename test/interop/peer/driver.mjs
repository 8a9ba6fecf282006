/* global process, console, Buffer, setImmediate, performance */
// One unmodified XMTP client (@xmtp/node-sdk 6.0.0) driven over JSON lines, so that tests
// can use real libxmtp as a peer. Runs under Debian 13's loader (scripts/setup-interop.sh).
//
// stdin:  {"id": 1, "cmd": "create", ...args}             one command per line
// stdout: {"id": 1, "ok": true, "result": ...}             or
//         {"id": 1, "ok": false, "error": {"name", "message"}}
// bigint values travel as decimal strings, bytes as hex. Anything else the process prints
// (libxmtp logs) goes to stderr or is a line the test side ignores.
//
// `node driver.mjs --check` loads node-sdk's native binding, derives a known inbox id and
// exits: the setup script's proof that the binding runs here.
import { createInterface } from 'node:readline';
import {
  Client,
  ConsentState,
  ConversationType,
  Dm,
  Group,
  GroupMessageKind,
  GroupPermissionsOptions,
  IdentifierKind,
  MetadataField,
  PermissionPolicy,
  PermissionUpdateType,
  ReactionAction,
  ReactionSchema,
  encodeText,
  generateInboxId,
} from '@xmtp/node-sdk';
import { hexToBytes } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

const SDK_VERSION = '6.0.0';

if (process.argv.includes('--check')) {
  // Known answer from DESIGN §3: address 0x7099… with nonce 1.
  const inboxId = generateInboxId({
    identifier: '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
    identifierKind: IdentifierKind.Ethereum,
  });
  if (inboxId !== '82249fd587e2b1819c1fb64623cdda6ec397e289986051e4dacf5ab2f294a61c') {
    console.error(`node-sdk derived an unexpected inbox id: ${inboxId}`);
    process.exit(1);
  }
  console.log(`@xmtp/node-sdk ${SDK_VERSION} loads and runs (node ${process.version})`);
  process.exit(0);
}

/** @type {import('@xmtp/node-sdk').Client | undefined} */
let client;
/** @type {{ end(): Promise<unknown> } | undefined} */
let stream;
const streamed = [];
const streamErrors = [];
/** @type {{ end(): Promise<unknown> } | undefined} */
let preferenceStream;
const hmacRootUpdates = [];

function toJson(value) {
  return JSON.stringify(value, (_key, v) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
    if (v instanceof Map) return Object.fromEntries(v);
    return v;
  });
}

function reply(line) {
  process.stdout.write(`${toJson(line)}\n`);
}

function requireClient() {
  if (!client) throw new Error('no client: send "create" first');
  return client;
}

async function conversationById(id) {
  if (typeof id !== 'string') throw new Error('conversationId must be a string');
  const conversation = await requireClient().conversations.getConversationById(id);
  if (!conversation) throw new Error(`unknown conversation ${id}`);
  return conversation;
}

function ethereum(address) {
  return { identifier: String(address).toLowerCase(), identifierKind: IdentifierKind.Ethereum };
}

function describeConversation(c) {
  const base = {
    id: c.id,
    createdAtNs: c.createdAtNs,
    isActive: c.isActive,
    topic: c.topic,
  };
  if (c instanceof Dm) return { ...base, type: 'dm', peerInboxId: c.peerInboxId };
  if (c instanceof Group) {
    return { ...base, type: 'group', name: c.name, description: c.description };
  }
  return { ...base, type: 'other' };
}

const REACTION_SCHEMAS = {
  unicode: ReactionSchema.Unicode,
  shortcode: ReactionSchema.Shortcode,
  custom: ReactionSchema.Custom,
};

function contentTypeName(t) {
  return `${t.authorityId}/${t.typeId}:${t.versionMajor}.${t.versionMinor}`;
}

function describeMessage(m) {
  return {
    id: m.id,
    conversationId: m.conversationId,
    senderInboxId: m.senderInboxId,
    sentAtNs: m.sentAtNs,
    kind: m.kind === GroupMessageKind.MembershipChange ? 'membership_change' : 'application',
    contentType: contentTypeName(m.contentType),
    content: m.content,
    fallback: m.fallback,
  };
}

const PERMISSION_UPDATES = {
  addMember: PermissionUpdateType.AddMember,
  removeMember: PermissionUpdateType.RemoveMember,
  addAdmin: PermissionUpdateType.AddAdmin,
  removeAdmin: PermissionUpdateType.RemoveAdmin,
  updateMetadata: PermissionUpdateType.UpdateMetadata,
};
const PERMISSION_POLICIES = {
  allow: PermissionPolicy.Allow,
  deny: PermissionPolicy.Deny,
  admin: PermissionPolicy.Admin,
  superAdmin: PermissionPolicy.SuperAdmin,
  doesNotExist: PermissionPolicy.DoesNotExist,
  other: PermissionPolicy.Other,
};
const METADATA_FIELDS = {
  group_name: MetadataField.GroupName,
  description: MetadataField.Description,
  group_image_url_square: MetadataField.GroupImageUrlSquare,
  app_data: MetadataField.AppData,
  message_disappear_from_ns: MetadataField.MessageExpirationFromNs,
  message_disappear_in_ns: MetadataField.MessageExpirationInNs,
};

const commands = {
  async create(a) {
    if (client) throw new Error('this peer already holds a client');
    const account = privateKeyToAccount(a.privateKey);
    const signer = {
      type: 'EOA',
      getIdentifier: () => ethereum(account.address),
      signMessage: async (message) => hexToBytes(await account.signMessage({ message })),
    };
    client = await Client.create(signer, {
      env: 'local',
      apiUrl: a.apiUrl,
      dbPath: a.dbPath,
      dbEncryptionKey: hexToBytes(a.dbEncryptionKey),
      // Device sync talks to a history server that tests do not run; on when asked.
      disableDeviceSync: a.deviceSync !== true,
      ...(a.loggingLevel ? { loggingLevel: a.loggingLevel } : {}),
    });
    return {
      inboxId: client.inboxId,
      installationId: client.installationId,
      address: account.address.toLowerCase(),
      isRegistered: client.isRegistered,
      libxmtpVersion: client.libxmtpVersion,
    };
  },

  async inboxId() {
    return requireClient().inboxId;
  },

  async canMessage(a) {
    const result = await requireClient().canMessage(a.addresses.map(ethereum));
    return Object.fromEntries([...result].map(([k, v]) => [k.toLowerCase(), v]));
  },

  async inboxIdFor(a) {
    return requireClient().fetchInboxIdByIdentifier(ethereum(a.address));
  },

  async newDm(a) {
    const dm = a.address
      ? await requireClient().conversations.createDmWithIdentifier(ethereum(a.address))
      : await requireClient().conversations.createDm(a.inboxId);
    return describeConversation(dm);
  },

  async newGroup(a) {
    const options = {};
    if (a.name !== undefined) options.groupName = a.name;
    if (a.description !== undefined) options.groupDescription = a.description;
    if (a.permissions === 'admin_only') options.permissions = GroupPermissionsOptions.AdminOnly;
    const group = await requireClient().conversations.createGroup(a.inboxIds, options);
    return describeConversation(group);
  },

  async send(a) {
    const conversation = await conversationById(a.conversationId);
    return conversation.sendText(String(a.text));
  },

  async sync(a) {
    if (a.conversationId) {
      await (await conversationById(a.conversationId)).sync();
    } else {
      await requireClient().conversations.sync();
    }
    return true;
  },

  async syncAll() {
    return requireClient().conversations.syncAll();
  },

  // A fresh client's whole catch-up, for benchmarks: every conversation synced, every message read.
  async syncAndCount() {
    const conversations = requireClient().conversations;
    await conversations.syncAll();
    let messages = 0;
    const list = await conversations.list();
    for (const c of list) messages += (await c.messages()).length;
    return { conversations: list.length, messages };
  },

  async conversations(a) {
    const options = {};
    if (a.type === 'dm') options.conversationType = ConversationType.Dm;
    if (a.type === 'group') options.conversationType = ConversationType.Group;
    const list = await requireClient().conversations.list(options);
    return list.map(describeConversation);
  },

  async conversation(a) {
    return describeConversation(await conversationById(a.conversationId));
  },

  async messages(a) {
    const conversation = await conversationById(a.conversationId);
    const options = {};
    if (a.limit !== undefined) options.limit = a.limit;
    return (await conversation.messages(options)).map(describeMessage);
  },

  // Content types beyond text, for interop with other clients' codecs.
  async sendReaction(a) {
    const conversation = await conversationById(a.conversationId);
    return conversation.sendReaction({
      reference: String(a.reference),
      referenceInboxId: String(a.referenceInboxId ?? ''),
      action: a.action === 'removed' ? ReactionAction.Removed : ReactionAction.Added,
      content: String(a.content),
      schema: REACTION_SCHEMAS[a.schema ?? 'unicode'] ?? ReactionSchema.Unknown,
    });
  },

  async sendReply(a) {
    const conversation = await conversationById(a.conversationId);
    const reply = { reference: String(a.reference), content: encodeText(String(a.text)) };
    if (a.referenceInboxId !== undefined) reply.referenceInboxId = String(a.referenceInboxId);
    return conversation.sendReply(reply);
  },

  async sendReadReceipt(a) {
    return (await conversationById(a.conversationId)).sendReadReceipt();
  },

  /** Like messages, plus what node-sdk attaches to each: its reactions and reply count. */
  async richMessages(a) {
    const conversation = await conversationById(a.conversationId);
    return (await conversation.messages()).map((m) => ({
      ...describeMessage(m),
      reactions: m.reactions.map(describeMessage),
      numReplies: m.numReplies,
    }));
  },

  async updateName(a) {
    const group = await conversationById(a.conversationId);
    if (!(group instanceof Group)) throw new Error(`${a.conversationId} is not a group`);
    await group.updateName(String(a.name));
    return describeConversation(group);
  },

  async addMembers(a) {
    const group = await conversationById(a.conversationId);
    if (!(group instanceof Group)) throw new Error(`${a.conversationId} is not a group`);
    await group.addMembers(a.inboxIds);
    return true;
  },

  async removeMembers(a) {
    const group = await conversationById(a.conversationId);
    if (!(group instanceof Group)) throw new Error(`${a.conversationId} is not a group`);
    await group.removeMembers(a.inboxIds);
    return true;
  },

  async members(a) {
    const conversation = await conversationById(a.conversationId);
    return (await conversation.members()).map((m) => ({
      inboxId: m.inboxId,
      installationIds: m.installationIds,
      permissionLevel: m.permissionLevel,
    }));
  },

  // Roles and permissions (node-sdk Group admin and permission methods), by name.
  async updateAdminList(a) {
    const group = await conversationById(a.conversationId);
    if (!(group instanceof Group)) throw new Error(`${a.conversationId} is not a group`);
    const action = { addAdmin: 'addAdmin', removeAdmin: 'removeAdmin', addSuperAdmin: 'addSuperAdmin', removeSuperAdmin: 'removeSuperAdmin' }[a.action];
    if (!action) throw new Error(`unknown admin list action ${a.action}`);
    await group[action](String(a.inboxId));
    return true;
  },

  async updatePermission(a) {
    const group = await conversationById(a.conversationId);
    if (!(group instanceof Group)) throw new Error(`${a.conversationId} is not a group`);
    const field = a.field === undefined ? undefined : METADATA_FIELDS[a.field];
    if (a.field !== undefined && field === undefined) throw new Error(`unknown metadata field ${a.field}`);
    await group.updatePermission(PERMISSION_UPDATES[a.update], PERMISSION_POLICIES[a.option], field);
    return true;
  },

  async roles(a) {
    const group = await conversationById(a.conversationId);
    if (!(group instanceof Group)) throw new Error(`${a.conversationId} is not a group`);
    const { policyType, policySet } = group.permissions();
    const policyName = (p) => Object.keys(PERMISSION_POLICIES).find((k) => PERMISSION_POLICIES[k] === p) ?? `#${p}`;
    return {
      admins: group.listAdmins(),
      superAdmins: group.listSuperAdmins(),
      policyType: { [GroupPermissionsOptions.Default]: 'default', [GroupPermissionsOptions.AdminOnly]: 'admin_only', [GroupPermissionsOptions.CustomPolicy]: 'custom' }[policyType],
      policySet: Object.fromEntries(Object.entries(policySet).map(([k, v]) => [k, policyName(v)])),
    };
  },

  // Disappearing messages (node-sdk Conversation.*MessageDisappearing*); bigints as decimal strings.
  async updateDisappearing(a) {
    const conversation = await conversationById(a.conversationId);
    await conversation.updateMessageDisappearingSettings(BigInt(a.fromNs), BigInt(a.inNs));
    return true;
  },

  async disappearing(a) {
    const conversation = await conversationById(a.conversationId);
    return { settings: conversation.messageDisappearingSettings() ?? null, enabled: conversation.isMessageDisappearingEnabled() };
  },

  async startStream(a) {
    if (stream) throw new Error('a stream is already running');
    stream = await requireClient().conversations.streamAllMessages({
      // When it arrived, by this machine's clock: benchmarks read stream latency from it.
      onValue: (m) => streamed.push({ ...describeMessage(m), receivedAtMs: Date.now() }),
      onError: (e) => streamErrors.push(String(e?.message ?? e)),
      retryDelay: a.retryDelayMs ?? 1_000,
    });
    return true;
  },

  async streamed() {
    return { messages: streamed, errors: streamErrors };
  },

  async stopStream() {
    if (stream) await stream.end();
    stream = undefined;
    return true;
  },

  // Push-filter keys: conversations.hmacKeys() or one conversation's (duplicate DMs included).
  async hmacKeys(a) {
    if (a.conversationId === undefined) return requireClient().conversations.hmacKeys();
    return (await conversationById(a.conversationId)).hmacKeys();
  },

  async denyConversation(a) {
    (await conversationById(a.conversationId)).updateConsentState(ConsentState.Denied);
    return true;
  },

  // The HMAC roots this installation stores from its sync group (device sync's HmacKeyUpdate).
  async startPreferenceStream() {
    if (preferenceStream) throw new Error('a preference stream is already running');
    preferenceStream = await requireClient().preferences.streamPreferences({
      onValue: (updates) => {
        for (const u of updates) if (u.type === 'HmacKeyUpdate') hmacRootUpdates.push(u.key);
      },
      onError: (e) => streamErrors.push(String(e?.message ?? e)),
    });
    return true;
  },

  async hmacRootUpdates() {
    return hmacRootUpdates;
  },

  async syncDeviceSyncGroups() {
    await requireClient().syncAllDeviceSyncGroups();
    return true;
  },

  async close() {
    if (stream) await stream.end();
    if (preferenceStream) await preferenceStream.end();
    stream = undefined;
    client = undefined;
    setImmediate(() => process.exit(0));
    return true;
  },
};

const input = createInterface({ input: process.stdin, crlfDelay: Infinity });
input.on('line', (line) => {
  if (line.trim() === '') return;
  let request;
  try {
    request = JSON.parse(line);
  } catch {
    reply({ id: null, ok: false, error: { name: 'BadRequest', message: 'not JSON' } });
    return;
  }
  const { id, cmd, ...args } = request;
  const handler = Object.hasOwn(commands, cmd) ? commands[cmd] : undefined;
  if (!handler) {
    reply({ id, ok: false, error: { name: 'UnknownCommand', message: String(cmd) } });
    return;
  }
  // Timed here, in the peer, so that benchmarks see libxmtp's time and not the pipe's.
  const started = performance.now();
  handler(args).then(
    (result) => reply({ id, ok: true, result: result ?? null, elapsedMs: performance.now() - started }),
    (e) => reply({ id, ok: false, error: { name: e?.name ?? 'Error', message: String(e?.message ?? e) } }),
  );
});
// The test side closing stdin means it is gone: do not outlive it.
input.on('close', () => process.exit(0));
