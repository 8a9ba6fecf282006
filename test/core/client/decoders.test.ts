import fc from 'fast-check';
import { createApplicationMessage, createCommit, createGroup, decodeGroupState, encodeGroupState } from 'ts-mls';
import { describe, expect, it } from 'vitest';
import { toDecodedMessage } from '../../../src/core/client/decodedMessage';
import { createMemoryStore } from '../../../src/core/client/memoryStore';
import {
  decodeGroupStateParts,
  decodeGroupStateRecord,
  encodeGroupStateRecord,
  groupStateOps,
  loadGroupState,
  stagedStateOf,
  stagedStateRecord,
  xmtpClientConfig,
} from '../../../src/core/client/groupState';
import { decodeIntentData, decodePostCommit, encodeIntentData, encodePostCommit, type IntentData, type PostCommit } from '../../../src/core/client/intentData';
import { decodePrivateKeyPackage, decodeStoredKeyPackage, encodePrivateKeyPackage } from '../../../src/core/client/keyPackages';
import type { MessageRecord } from '../../../src/core/client/store';
import { isParleyError } from '../../../src/core/errors';
import { getXmtpCiphersuiteImpl } from '../../../src/core/mls/ciphersuite';
import { createXmtpKeyPackage } from '../../../src/core/mls/keyPackage';
import { newGroupExtensions } from '../../../src/core/mls/groupContext';
import { ADMIN_LIST_ACTIONS, PERMISSION_OPTIONS, PERMISSION_UPDATE_TYPES } from '../../../src/core/mls/policyUpdate';
import { newInstallationKey, randomInboxId } from '../mls/keyPackageTestKit';

const bytes = (max = 64) => fc.uint8Array({ maxLength: max });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

const intentDataArb: fc.Arbitrary<IntentData> = fc.oneof(
  fc.constant({ kind: 'sendMessage' as const }),
  fc.constant({ kind: 'keyUpdate' as const }),
  fc.record({ kind: fc.constant('updateMetadata' as const), field: fc.string(), value: fc.string() }),
  fc.record({
    kind: fc.constant('updateMembership' as const),
    addInboxIds: fc.array(fc.string(), { maxLength: 5 }),
    removeInboxIds: fc.array(fc.string(), { maxLength: 5 }),
  }),
  fc.record({ kind: fc.constant('updateAdminList' as const), action: fc.constantFrom(...ADMIN_LIST_ACTIONS), inboxId: fc.string() }),
  fc.record(
    {
      kind: fc.constant('updatePermission' as const),
      update: fc.constantFrom(...PERMISSION_UPDATE_TYPES),
      option: fc.constantFrom(...PERMISSION_OPTIONS),
      field: fc.string(),
    },
    { requiredKeys: ['kind', 'update', 'option'] },
  ),
);

const postCommitArb: fc.Arbitrary<PostCommit> = fc.record(
  {
    welcome: bytes(200),
    recipients: fc.array(
      fc.record({ installationKey: bytes(32), initKey: bytes(32), xwingKey: bytes(1216) }, { requiredKeys: ['installationKey', 'initKey'] }),
      { maxLength: 4 },
    ),
    messageCursor: u64,
    transcript: bytes(100),
    rotatesLeaf: fc.constant(true as const),
  },
  { requiredKeys: ['recipients'] },
);

/** Decoding random bytes gives a typed error or a value, never another throw. */
function typedOrValue(decode: () => unknown): void {
  try {
    decode();
  } catch (e) {
    expect(isParleyError(e), String(e)).toBe(true);
  }
}

describe('client store codecs', () => {
  it('intent data round-trips and random bytes give typed errors', () => {
    fc.assert(fc.property(intentDataArb, (d) => {
      expect(decodeIntentData(encodeIntentData(d))).toEqual(d);
    }));
    fc.assert(fc.property(bytes(200), (b) => typedOrValue(() => decodeIntentData(b))));
    fc.assert(fc.property(fc.json(), (j) => typedOrValue(() => decodeIntentData(new TextEncoder().encode(j)))));
  });

  it('post-commit data round-trips and random bytes give typed errors', () => {
    fc.assert(fc.property(postCommitArb, (p) => {
      expect(decodePostCommit(encodePostCommit(p))).toEqual(p);
    }));
    fc.assert(fc.property(bytes(200), (b) => typedOrValue(() => decodePostCommit(b))));
    fc.assert(fc.property(fc.json(), (j) => typedOrValue(() => decodePostCommit(new TextEncoder().encode(j)))));
  });

  it('a stored role or policy change with an unknown action, update or option is Codec.Malformed', () => {
    const bad = [
      { kind: 'updateAdminList', action: 'makeOwner', inboxId: 'a' },
      { kind: 'updateAdminList', action: 'addAdmin' },
      { kind: 'updatePermission', update: 'updateEverything', option: 'allow' },
      { kind: 'updatePermission', update: 'addMember', option: 'sometimes' },
      { kind: 'updatePermission', update: 'updateMetadata', option: 'deny', field: 7 },
    ];
    for (const b of bad) {
      expect(() => decodeIntentData(new TextEncoder().encode(JSON.stringify(b)))).toThrow(expect.objectContaining({ code: 'Codec.Malformed' }));
    }
    fc.assert(
      fc.property(fc.record({ kind: fc.constantFrom('updateAdminList', 'updatePermission'), action: fc.string(), update: fc.string(), option: fc.string(), inboxId: fc.string() }), (j) =>
        typedOrValue(() => decodeIntentData(new TextEncoder().encode(JSON.stringify(j)))),
      ),
    );
  });

  it('refuses oversized stored intents before parsing them', () => {
    expect(() => decodeIntentData(new Uint8Array(2 * 1024 * 1024))).toThrow(expect.objectContaining({ code: 'Codec.TooLarge' }));
  });

  it('key-package private keys round-trip; other lengths are Codec.Malformed', () => {
    const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
    fc.assert(
      fc.property(key, key, key, (initPrivateKey, hpkePrivateKey, signaturePrivateKey) => {
        const keys = { initPrivateKey, hpkePrivateKey, signaturePrivateKey };
        expect(decodePrivateKeyPackage(encodePrivateKeyPackage(keys))).toEqual(keys);
      }),
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200, size: 'max' }).filter((b) => b.length !== 96 && b.length !== 128), (b) => {
      expect(() => decodePrivateKeyPackage(b)).toThrow(expect.objectContaining({ code: 'Codec.Malformed' }));
    }));
  });

  it('a stored key package decodes to what was created; random bytes give typed errors', async () => {
    const created = await createXmtpKeyPackage({ inboxId: randomInboxId(), installationKey: newInstallationKey(), now: new Date() });
    const record = { id: 'x', keyPackage: created.tls, privateKeys: encodePrivateKeyPackage(created.privatePackage), createdAtNs: 1n };
    const decoded = decodeStoredKeyPackage(record);
    expect(decoded.keyPackage).toEqual(created.keyPackage);
    expect(decoded.privateKeys).toEqual(created.privatePackage);
    fc.assert(fc.property(bytes(300), (b) => typedOrValue(() => decodeStoredKeyPackage({ ...record, keyPackage: b }))));
  });

  it('a staged state is its own object while held in memory, decoded from a stored copy, and a damaged copy is a typed error', async () => {
    const cs = await getXmtpCiphersuiteImpl();
    const inboxId = randomInboxId();
    const kp = await createXmtpKeyPackage({ inboxId, installationKey: newInstallationKey(), now: new Date() });
    const state = await createGroup(new Uint8Array(16).fill(9), kp.keyPackage, kp.privatePackage, newGroupExtensions({ creatorInboxId: inboxId, creatorSequenceId: 0n }), cs, xmtpClientConfig());
    const staged = (await createCommit({ state, cipherSuite: cs }, {})).newState;
    const record = stagedStateRecord('09', staged);
    expect(stagedStateOf(record)).toBe(staged);
    // What a store gives back after a restart: an equal record that is another object.
    const stored = structuredClone(record);
    const decoded = stagedStateOf(stored);
    expect(decoded).not.toBe(staged);
    const { clientConfig: _a, ...decodedFields } = decoded;
    const { clientConfig: _b, ...stagedFields } = decodeGroupStateRecord(encodeGroupStateRecord('09', staged));
    expect(decodedFields).toEqual(stagedFields);
    expect(decoded.groupContext.epoch).toBe(staged.groupContext.epoch);
    fc.assert(fc.property(bytes(300), (s) => typedOrValue(() => stagedStateOf({ ...stored, state: s }))));
  });

  it('a group state record round-trips, also after a message, and random bytes give typed errors', async () => {
    const cs = await getXmtpCiphersuiteImpl();
    const inboxId = randomInboxId();
    const kp = await createXmtpKeyPackage({ inboxId, installationKey: newInstallationKey(), now: new Date() });
    const state = await createGroup(new Uint8Array(16).fill(7), kp.keyPackage, kp.privatePackage, newGroupExtensions({ creatorInboxId: inboxId, creatorSequenceId: 0n }), cs, xmtpClientConfig());
    const record = encodeGroupStateRecord('07', state);
    const { clientConfig: _a, ...decoded } = decodeGroupStateRecord(record);
    const { clientConfig: _b, ...original } = state;
    expect(decoded).toEqual(original);
    const { newState } = await createApplicationMessage(state, new Uint8Array([1, 2, 3]), cs);
    const next = encodeGroupStateRecord('07', newState);
    // The tree did not change with the message: the same encoded bytes are reused.
    expect(next.ratchetTree).toBe(record.ratchetTree);
    expect(next.state).not.toEqual(record.state);
    // With past epochs (kept for late messages), which are framed and cached one by one.
    let later = newState;
    for (let i = 0; i < 4; i++) later = (await createCommit({ state: later, cipherSuite: cs }, {})).newState;
    expect(later.historicalReceiverData.size).toBe(3);
    const { clientConfig: _c, ...laterDecoded } = decodeGroupStateRecord(encodeGroupStateRecord('07', later));
    // ts-mls's own whole-state codec is the reference (it does not keep a commit leaf's in-memory
    // signing context, groupId and leafIndex, either).
    const reference = decodeGroupState(encodeGroupState(later), 0)?.[0];
    expect(laterDecoded).toEqual(reference);
    fc.assert(fc.property(bytes(300), bytes(300), (ratchetTree, s) => typedOrValue(() => decodeGroupStateRecord({ ratchetTree, state: s }))));
    const framed = encodeGroupStateRecord('07', later);
    fc.assert(
      fc.property(fc.nat({ max: framed.state.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const damaged = framed.state.slice();
        damaged.set([(damaged[at] ?? 0) ^ flip], at);
        typedOrValue(() => decodeGroupStateRecord({ ratchetTree: framed.ratchetTree, state: damaged }));
      }),
      { numRuns: 200 },
    );
    fc.assert(fc.property(bytes(300), (s) => typedOrValue(() => decodeGroupStateRecord({ ratchetTree: record.ratchetTree, state: s }))));
  });

  it('a group is stored in three parts; a message rewrites only the per-message part', async () => {
    const cs = await getXmtpCiphersuiteImpl();
    const inboxId = randomInboxId();
    const kp = await createXmtpKeyPackage({ inboxId, installationKey: newInstallationKey(), now: new Date() });
    let state = await createGroup(new Uint8Array(16).fill(8), kp.keyPackage, kp.privatePackage, newGroupExtensions({ creatorInboxId: inboxId, creatorSequenceId: 0n }), cs, xmtpClientConfig());
    for (let i = 0; i < 2; i++) state = (await createCommit({ state, cipherSuite: cs }, {})).newState;
    const store = createMemoryStore();
    const first = groupStateOps('08', state);
    expect(first.ops.map((o) => (o.op === 'putGroupState' ? o.record.groupId : o.op))).toEqual(['08/secrets', '08', '08/epoch']);
    await store.commit(first.ops);
    const { newState } = await createApplicationMessage(state, new Uint8Array([1]), cs);
    const second = groupStateOps('08', newState, first.persisted);
    expect(second.ops.map((o) => (o.op === 'putGroupState' ? o.record.groupId : o.op))).toEqual(['08']);
    await store.commit(second.ops);
    const loaded = await loadGroupState(store, '08');
    const { clientConfig: _a, ...decoded } = loaded!.state;
    expect(decoded).toEqual(decodeGroupState(encodeGroupState(newState), 0)?.[0]);
    const [base, , part] = first.ops.map((o) => (o.op === 'putGroupState' ? o.record : undefined));
    const main = second.ops[0]?.op === 'putGroupState' ? second.ops[0].record : undefined;
    fc.assert(
      fc.property(bytes(300), bytes(300), bytes(300), bytes(300), (m, tree, p, b) => {
        typedOrValue(() => decodeGroupStateParts(m, { ratchetTree: tree, state: p }, b));
        typedOrValue(() => decodeGroupStateParts(main!.state, { ratchetTree: part!.ratchetTree, state: p }, base!.state));
        typedOrValue(() => decodeGroupStateParts(m, { ratchetTree: part!.ratchetTree, state: part!.state }, base!.state));
        typedOrValue(() => decodeGroupStateParts(main!.state, { ratchetTree: part!.ratchetTree, state: part!.state }, b));
      }),
    );
    // Parts of different epochs are refused.
    await store.commit([{ op: 'putGroupState', record: { ...part!, epoch: part!.epoch + 1n } }]);
    await expect(loadGroupState(store, '08')).rejects.toMatchObject({ code: 'Codec.Malformed' });
  });

  it('a stored message with content that no longer decodes reads as an error, not a throw', async () => {
    const base: MessageRecord = {
      id: 'aa',
      groupId: 'bb',
      kind: 'application',
      senderInboxId: 'cc',
      senderInstallationId: 'dd',
      sentAtNs: 1n,
      content: new Uint8Array(),
      contentType: 'xmtp.org/text:1.0',
      deliveryStatus: 'published',
    };
    await fc.assert(
      fc.asyncProperty(bytes(200), async (content) => {
        const message = await toDecodedMessage({ ...base, content });
        expect(message.content !== undefined || message.error !== undefined).toBe(true);
      }),
    );
  });
});
