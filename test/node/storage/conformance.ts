/**
 * Backend-agnostic conformance suite for NodeStore (src/node/storage/types.ts). A backend's
 * test file calls `describeNodeStoreConformance('sqlite', makeHarness)`; every promise of the
 * interface is checked here, so a new backend is done when this suite passes on it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isParleyError } from '../../../src/core/errors';
import type {
  GroupMessageInput,
  KeyPackageInput,
  MemberKey,
  NodeStore,
  StoreEvent,
  WelcomeInput,
} from '../../../src/node/storage/types';

export interface StoreHarness {
  /** Opens the store on this harness's data (the same data every time it is called). */
  open(): Promise<NodeStore>;
  /** Removes the data; called after the test closed every store it opened. */
  destroy(): Promise<void>;
}

const enc = new TextEncoder();
const b = (s: string): Uint8Array => enc.encode(s);

function groupMessage(group: string, data: string, extra: Partial<GroupMessageInput> = {}): GroupMessageInput {
  return { groupId: b(group), data: b(data), senderHmac: b(`hmac-${data}`), shouldPush: true, isCommit: false, ...extra };
}

function welcome(installation: string, data: string, extra: Partial<WelcomeInput> = {}): WelcomeInput {
  return {
    kind: 'v1',
    installationKey: b(installation),
    data: b(data),
    hpkePublicKey: b(`hpke-${installation}`),
    wrapperAlgorithm: 1,
    welcomeMetadata: b(`meta-${data}`),
    ...extra,
  };
}

function keyPackage(installation: string, data: string, notBefore: bigint, extra: Partial<KeyPackageInput> = {}): KeyPackageInput {
  return { installationKey: b(installation), inboxId: 'inbox', keyPackage: b(data), notBefore, notAfter: notBefore + 86_400n, ...extra };
}

const addr = (n: number): MemberKey => ({ kind: 'ethereum', address: `0x${n.toString(16).padStart(40, '0')}` });
const inst = (s: string): MemberKey => ({ kind: 'installation', installationKey: b(s) });

async function rejectsWithCode(p: Promise<unknown>, code: string): Promise<void> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(isParleyError(caught), `expected a ParleyError ${code}, got ${String(caught)}`).toBe(true);
  expect((caught as { code: string }).code).toBe(code);
}

export function describeNodeStoreConformance(name: string, makeHarness: () => Promise<StoreHarness>): void {
  describe(`NodeStore conformance: ${name}`, () => {
    let harness: StoreHarness | undefined;
    const open: NodeStore[] = [];

    async function fresh(): Promise<NodeStore> {
      harness = await makeHarness();
      return reopen();
    }
    async function reopen(): Promise<NodeStore> {
      if (!harness) throw new Error('no harness');
      const store = await harness.open();
      open.push(store);
      return store;
    }

    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
      await harness?.destroy();
      harness = undefined;
    });

    describe('group messages', () => {
      it('gives messages increasing ids in arrival order, per group', async () => {
        const store = await fresh();
        const a1 = await store.insertGroupMessages([groupMessage('A', 'a1'), groupMessage('A', 'a2')]);
        const b1 = await store.insertGroupMessages([groupMessage('B', 'b1')]);
        const a3 = await store.insertGroupMessages([groupMessage('A', 'a3')]);
        const ids = [...a1, ...a3].map((r) => r.id);
        expect(ids.every((id, i) => i === 0 || id > (ids[i - 1] ?? 0n))).toBe(true);
        expect(ids[0]! > 0n).toBe(true);
        expect(b1[0]!.id).not.toBe(a1[0]!.id);
        const all = await store.queryGroupMessages(b('A'), { direction: 'ascending', cursor: 0n, limit: 100 });
        expect(all.map((r) => new TextDecoder().decode(r.data))).toEqual(['a1', 'a2', 'a3']);
        expect(all[0]).toEqual(a1[0]);
      });

      it('keeps every field of a stored message', async () => {
        const store = await fresh();
        const input = groupMessage('G', 'payload', { shouldPush: false, isCommit: true, senderHmac: new Uint8Array([0, 255]) });
        const [stored] = await store.insertGroupMessages([input]);
        expect(stored).toMatchObject({ ...input });
        expect(stored!.createdNs > 1_600_000_000_000_000_000n).toBe(true);
        const [queried] = await store.queryGroupMessages(b('G'), { direction: 'descending', cursor: 0n, limit: 1 });
        expect(queried).toEqual(stored);
      });

      it('pages ascending and descending with id cursors and limits', async () => {
        const store = await fresh();
        const recs = await store.insertGroupMessages(Array.from({ length: 7 }, (_, i) => groupMessage('P', `m${i}`)));
        const ids = recs.map((r) => r.id);
        const page1 = await store.queryGroupMessages(b('P'), { direction: 'ascending', cursor: 0n, limit: 3 });
        expect(page1.map((r) => r.id)).toEqual(ids.slice(0, 3));
        const page2 = await store.queryGroupMessages(b('P'), { direction: 'ascending', cursor: page1[2]!.id, limit: 3 });
        expect(page2.map((r) => r.id)).toEqual(ids.slice(3, 6));
        const page3 = await store.queryGroupMessages(b('P'), { direction: 'ascending', cursor: page2[2]!.id, limit: 3 });
        expect(page3.map((r) => r.id)).toEqual(ids.slice(6));
        const newest = await store.queryGroupMessages(b('P'), { direction: 'descending', cursor: 0n, limit: 2 });
        expect(newest.map((r) => r.id)).toEqual([ids[6], ids[5]]);
        const older = await store.queryGroupMessages(b('P'), { direction: 'descending', cursor: ids[5]!, limit: 10 });
        expect(older.map((r) => r.id)).toEqual(ids.slice(0, 5).reverse());
        expect(await store.queryGroupMessages(b('nope'), { direction: 'ascending', cursor: 0n, limit: 5 })).toEqual([]);
      });

      it('stores a re-sent message once and returns the stored record', async () => {
        const store = await fresh();
        const [first] = await store.insertGroupMessages([groupMessage('D', 'same')]);
        const [again, other] = await store.insertGroupMessages([groupMessage('D', 'same'), groupMessage('E', 'same')]);
        expect(again).toEqual(first);
        expect(other!.id).not.toBe(first!.id);
        expect(await store.queryGroupMessages(b('D'), { direction: 'ascending', cursor: 0n, limit: 10 })).toHaveLength(1);
      });

      it('stores a message sent twice in one batch once, answering the stored record for both', async () => {
        const store = await fresh();
        const [first, again] = await store.insertGroupMessages([groupMessage('T', 'twice'), groupMessage('T', 'twice')]);
        expect(again).toEqual(first);
        expect(await store.queryGroupMessages(b('T'), { direction: 'ascending', cursor: 0n, limit: 10 })).toHaveLength(1);
      });

      it('answers records whose bytes do not change when the caller reuses its input arrays', async () => {
        const store = await fresh();
        const input = groupMessage('K', 'kept', { senderHmac: new Uint8Array([7, 7]) });
        const [stored] = await store.insertGroupMessages([input]);
        input.groupId.fill(0);
        input.data.fill(0);
        input.senderHmac.fill(0);
        expect(stored).toMatchObject({ groupId: b('K'), data: b('kept'), senderHmac: new Uint8Array([7, 7]) });
      });

      it('answers the newest message per group in request order', async () => {
        const store = await fresh();
        await store.insertGroupMessages([groupMessage('X', 'x1'), groupMessage('Y', 'y1'), groupMessage('X', 'x2')]);
        const newest = await store.newestGroupMessages([b('Y'), b('none'), b('X')]);
        expect(newest.map((r) => (r ? new TextDecoder().decode(r.data) : undefined))).toEqual(['y1', undefined, 'x2']);
      });

      it('assigns distinct, per-group increasing ids to many concurrent writes in call order', async () => {
        const store = await fresh();
        const calls = Array.from({ length: 150 }, (_, i) => store.insertGroupMessages([groupMessage(`g${i % 3}`, `c${i}`)]));
        const results = (await Promise.all(calls)).map((r) => r[0]!);
        expect(new Set(results.map((r) => r.id)).size).toBe(150);
        for (let g = 0; g < 3; g++) {
          const ids = results.filter((_, i) => i % 3 === g).map((r) => r.id);
          expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
          const stored = await store.queryGroupMessages(b(`g${g}`), { direction: 'ascending', cursor: 0n, limit: 1000 });
          expect(stored.map((r) => r.id)).toEqual(ids);
        }
      });
    });

    describe('welcomes', () => {
      it('stores welcomes per installation with paging in both directions', async () => {
        const store = await fresh();
        const recs = await store.insertWelcomes([welcome('i1', 'w1'), welcome('i2', 'w2'), welcome('i1', 'w3')]);
        const i1 = await store.queryWelcomes(b('i1'), { direction: 'ascending', cursor: 0n, limit: 10 });
        expect(i1).toEqual([recs[0], recs[2]]);
        const after = await store.queryWelcomes(b('i1'), { direction: 'ascending', cursor: recs[0]!.id, limit: 10 });
        expect(after).toEqual([recs[2]]);
        const desc = await store.queryWelcomes(b('i1'), { direction: 'descending', cursor: 0n, limit: 1 });
        expect(desc).toEqual([recs[2]]);
        expect(recs[1]).toMatchObject(welcome('i2', 'w2'));
      });

      it('keeps a welcome pointer as a pointer', async () => {
        const store = await fresh();
        const input = welcome('ip', 'pointer-bytes', { kind: 'pointer', wrapperAlgorithm: 2, welcomeMetadata: new Uint8Array() });
        const [rec] = await store.insertWelcomes([input]);
        const [q] = await store.queryWelcomes(b('ip'), { direction: 'ascending', cursor: 0n, limit: 10 });
        expect(q).toEqual(rec);
        expect(q).toMatchObject(input);
      });

      it('stores a re-sent welcome once', async () => {
        const store = await fresh();
        const [first] = await store.insertWelcomes([welcome('dup', 'w')]);
        const [second] = await store.insertWelcomes([welcome('dup', 'w')]);
        expect(second).toEqual(first);
      });
    });

    describe('key packages', () => {
      it('replaces an installation key package with the newer one', async () => {
        const store = await fresh();
        await store.putKeyPackage(keyPackage('k1', 'old', 1000n));
        const newer = await store.putKeyPackage(keyPackage('k1', 'new', 2000n));
        const [fetched] = await store.fetchKeyPackages([b('k1')]);
        expect(fetched).toEqual(newer);
        expect(new TextDecoder().decode(fetched!.keyPackage)).toBe('new');
        expect(fetched).toMatchObject({ notBefore: 2000n, notAfter: 2000n + 86_400n });
      });

      it('refuses a key package older by its not_before than the stored one, whenever it is uploaded', async () => {
        const store = await fresh();
        const newer = await store.putKeyPackage(keyPackage('k2', 'new', 2000n));
        await rejectsWithCode(store.putKeyPackage(keyPackage('k2', 'old', 1999n)), 'Node.StaleKeyPackage');
        expect(await store.fetchKeyPackages([b('k2')])).toEqual([newer]);
        // Racing uploads: whatever their order of arrival, the newest stays.
        const raced = await Promise.allSettled([
          store.putKeyPackage(keyPackage('k3', 'mid', 1500n)),
          store.putKeyPackage(keyPackage('k3', 'top', 3000n)),
          store.putKeyPackage(keyPackage('k3', 'low', 1000n)),
        ]);
        expect(raced[1]!.status).toBe('fulfilled');
        const [k3] = await store.fetchKeyPackages([b('k3')]);
        expect(new TextDecoder().decode(k3!.keyPackage)).toBe('top');
      });

      it('takes the same key package again, and one of equal not_before, as a replacement', async () => {
        const store = await fresh();
        await store.putKeyPackage(keyPackage('k4', 'same', 2000n));
        const again = await store.putKeyPackage(keyPackage('k4', 'same', 2000n));
        expect(await store.fetchKeyPackages([b('k4')])).toEqual([again]);
        const sibling = await store.putKeyPackage(keyPackage('k4', 'same-second', 2000n));
        expect(await store.fetchKeyPackages([b('k4')])).toEqual([sibling]);
      });

      it('answers key packages in request order, undefined for unknown installations', async () => {
        const store = await fresh();
        await store.putKeyPackage(keyPackage('a', 'kpa', 1n, { inboxId: 'ia' }));
        await store.putKeyPackage(keyPackage('c', 'kpc', 1n, { inboxId: 'ic' }));
        const res = await store.fetchKeyPackages([b('c'), b('b'), b('a')]);
        expect(res.map((r) => r?.inboxId)).toEqual(['ic', undefined, 'ia']);
      });
    });

    describe('identity', () => {
      it('appends updates with increasing sequence ids and serves them after a cursor', async () => {
        const store = await fresh();
        const u1 = await store.appendIdentityUpdate({ inboxId: 'in1', update: b('u1'), expectedLastSequenceId: 0n, added: [addr(1), inst('k1')], removed: [] });
        const other = await store.appendIdentityUpdate({ inboxId: 'in2', update: b('v1'), expectedLastSequenceId: 0n, added: [addr(2)], removed: [] });
        const u2 = await store.appendIdentityUpdate({ inboxId: 'in1', update: b('u2'), expectedLastSequenceId: u1.sequenceId, added: [], removed: [] });
        expect(u2.sequenceId > u1.sequenceId).toBe(true);
        expect(await store.identityLog('in1')).toEqual([u1, u2]);
        expect(await store.identityLog('unknown')).toEqual([]);
        const after = await store.identityUpdatesAfter([
          { inboxId: 'in1', afterSequenceId: u1.sequenceId },
          { inboxId: 'in2', afterSequenceId: 0n },
          { inboxId: 'none', afterSequenceId: 0n },
        ]);
        expect(after).toEqual([[u2], [other], []]);
      });

      it('refuses an append against a stale log with Node.StoreConflict and writes nothing', async () => {
        const store = await fresh();
        const u1 = await store.appendIdentityUpdate({ inboxId: 'c', update: b('u1'), expectedLastSequenceId: 0n, added: [addr(7)], removed: [] });
        await rejectsWithCode(
          store.appendIdentityUpdate({ inboxId: 'c', update: b('late'), expectedLastSequenceId: 0n, added: [addr(8)], removed: [] }),
          'Node.StoreConflict',
        );
        expect(await store.identityLog('c')).toEqual([u1]);
        expect(await store.inboxIdsFor([addr(8)])).toEqual([undefined]);
      });

      it('lets exactly one of several racing appends on one inbox win', async () => {
        const store = await fresh();
        const tries = Array.from({ length: 8 }, (_, i) =>
          store.appendIdentityUpdate({ inboxId: 'race', update: b(`r${i}`), expectedLastSequenceId: 0n, added: [], removed: [] }),
        );
        const settled = await Promise.allSettled(tries);
        expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
        for (const s of settled) {
          if (s.status === 'rejected') expect(isParleyError(s.reason, 'Node.StoreConflict')).toBe(true);
        }
        expect(await store.identityLog('race')).toHaveLength(1);
      });

      it('maps members to their current inbox, honouring revocations and re-association', async () => {
        const store = await fresh();
        const u1 = await store.appendIdentityUpdate({ inboxId: 'first', update: b('1'), expectedLastSequenceId: 0n, added: [addr(1), inst('ik')], removed: [] });
        expect(await store.inboxIdsFor([addr(1), inst('ik'), addr(9)])).toEqual(['first', 'first', undefined]);
        await store.appendIdentityUpdate({ inboxId: 'first', update: b('2'), expectedLastSequenceId: u1.sequenceId, added: [], removed: [addr(1), inst('ik')] });
        expect(await store.inboxIdsFor([addr(1), inst('ik')])).toEqual([undefined, undefined]);
        await store.appendIdentityUpdate({ inboxId: 'second', update: b('3'), expectedLastSequenceId: 0n, added: [addr(1)], removed: [] });
        expect(await store.inboxIdsFor([addr(1)])).toEqual(['second']);
      });

      it('matches Ethereum addresses case-insensitively', async () => {
        const store = await fresh();
        await store.appendIdentityUpdate({
          inboxId: 'mixed', update: b('1'), expectedLastSequenceId: 0n,
          added: [{ kind: 'ethereum', address: '0xABCDEF0000000000000000000000000000000001' }], removed: [],
        });
        expect(await store.inboxIdsFor([{ kind: 'ethereum', address: '0xabcdef0000000000000000000000000000000001' }])).toEqual(['mixed']);
      });
    });

    describe('commit log', () => {
      it('serves a group commit log after a cursor, ascending, limited', async () => {
        const store = await fresh();
        const entry = (g: string, e: string) => ({ groupId: b(g), serializedEntry: b(e), serializedSignature: b(`sig-${e}`) });
        const recs = await store.insertCommitLogEntries([entry('G', 'e1'), entry('H', 'h1'), entry('G', 'e2'), entry('G', 'e3')]);
        const g = [recs[0]!, recs[2]!, recs[3]!];
        expect(await store.queryCommitLog(b('G'), 0n, 2)).toEqual(g.slice(0, 2));
        expect(await store.queryCommitLog(b('G'), g[1]!.sequenceId, 10)).toEqual(g.slice(2));
        expect(await store.queryCommitLog(b('H'), 0n, 10)).toEqual([recs[1]]);
      });
    });

    describe('retention', () => {
      const keepKeyPackages = { keyPackagesExpiredBeforeS: 0n, unownedKeyPackagesStoredBeforeNs: 0n };

      it('deletes welcomes stored before the cutoff, at most limit a call, and keeps ids moving on', async () => {
        const store = await fresh();
        const old = await store.insertWelcomes([welcome('r1', 'o1'), welcome('r1', 'o2'), welcome('r2', 'o3')]);
        const [kept] = await store.insertWelcomes([welcome('r1', 'k1')]);
        const cutoff = kept!.createdNs;
        expect(await store.deleteExpired({ ...keepKeyPackages, limit: 10 })).toEqual({ welcomes: 0, keyPackages: 0 });
        expect(await store.deleteExpired({ ...keepKeyPackages, welcomesStoredBeforeNs: cutoff, limit: 2 })).toEqual({ welcomes: 2, keyPackages: 0 });
        expect(await store.deleteExpired({ ...keepKeyPackages, welcomesStoredBeforeNs: cutoff, limit: 2 })).toEqual({ welcomes: 1, keyPackages: 0 });
        expect(await store.queryWelcomes(b('r1'), { direction: 'ascending', cursor: 0n, limit: 10 })).toEqual([kept]);
        expect(await store.queryWelcomes(b('r2'), { direction: 'ascending', cursor: 0n, limit: 10 })).toEqual([]);
        const [next] = await store.insertWelcomes([welcome('r2', 'n1')]);
        expect(next!.id > kept!.id && next!.id > old[2]!.id).toBe(true);
      });

      it('deletes expired key packages and those of installations no inbox holds, keeping the servable ones', async () => {
        const store = await fresh();
        const u1 = await store.appendIdentityUpdate({ inboxId: 'ret', update: b('1'), expectedLastSequenceId: 0n, added: [inst('owned'), inst('revoked'), inst('expired')], removed: [] });
        await store.appendIdentityUpdate({ inboxId: 'ret', update: b('2'), expectedLastSequenceId: u1.sequenceId, added: [], removed: [inst('revoked')] });
        const owned = await store.putKeyPackage(keyPackage('owned', 'kp-owned', 1000n));
        await store.putKeyPackage(keyPackage('revoked', 'kp-revoked', 1000n));
        await store.putKeyPackage(keyPackage('expired', 'kp-expired', 1n, { notAfter: 10n }));
        await store.putKeyPackage(keyPackage('unregistered', 'kp-unregistered', 1000n));
        const late = await store.putKeyPackage(keyPackage('late', 'kp-late', 1000n));
        const result = await store.deleteExpired({ keyPackagesExpiredBeforeS: 11n, unownedKeyPackagesStoredBeforeNs: late.createdNs, limit: 100 });
        expect(result).toEqual({ welcomes: 0, keyPackages: 3 });
        const left = await store.fetchKeyPackages(['owned', 'revoked', 'expired', 'unregistered', 'late'].map(b));
        // 'late' was uploaded at the cutoff: an upload that may yet be followed by its registration stays.
        expect(left).toEqual([owned, undefined, undefined, undefined, late]);
      });
    });

    describe('change notification', () => {
      it('announces each newly stored message and welcome once, in id order, after it is stored', async () => {
        const store = await fresh();
        const events: StoreEvent[] = [];
        const seenAtEvent: number[] = [];
        const off = store.onChange((e) => {
          events.push(e);
          void store
            .queryGroupMessages(b('N'), { direction: 'ascending', cursor: 0n, limit: 100 })
            .then(
              (rows) => seenAtEvent.push(rows.length),
              () => seenAtEvent.push(-1), // the store closed under a late event: fails the check below
            );
        });
        const [m1, m2] = await store.insertGroupMessages([groupMessage('N', 'n1'), groupMessage('N', 'n2')]);
        await store.insertGroupMessages([groupMessage('N', 'n1')]); // a re-send: not announced
        const [w1] = await store.insertWelcomes([welcome('wi', 'w1')]);
        // A shared backend announces through its change feed (PostgreSQL: NOTIFY, then a read),
        // so wait for the announcements rather than a fixed time; then a little longer, so a
        // duplicate would have had its chance to arrive.
        const announced = () => events.reduce((n, e) => n + e.records.length, 0) >= 3 && seenAtEvent.length > 0;
        for (const t0 = Date.now(); !announced() && Date.now() - t0 < 10_000; ) await new Promise((r) => setTimeout(r, 10));
        await new Promise((r) => setTimeout(r, 100));
        const groupRecords = events.filter((e) => e.kind === 'groupMessages').flatMap((e) => e.records);
        const welcomeRecords = events.filter((e) => e.kind === 'welcomes').flatMap((e) => e.records);
        expect(groupRecords).toEqual([m1, m2]);
        expect(welcomeRecords).toEqual([w1]);
        expect(seenAtEvent[0]).toBe(2);
        off();
        await store.insertGroupMessages([groupMessage('N', 'n3')]);
        await new Promise((r) => setTimeout(r, 200));
        expect(events.filter((e) => e.kind === 'groupMessages')).toHaveLength(1);
      });
    });

    describe('lifecycle', () => {
      it('keeps everything across close and reopen', async () => {
        let store = await fresh();
        const [m] = await store.insertGroupMessages([groupMessage('R', 'r1')]);
        const [w] = await store.insertWelcomes([welcome('ri', 'rw')]);
        const kp = await store.putKeyPackage(keyPackage('rk', 'kp', 5n, { inboxId: 'rin' }));
        const u = await store.appendIdentityUpdate({ inboxId: 'rin', update: b('ru'), expectedLastSequenceId: 0n, added: [addr(3)], removed: [] });
        const [c] = await store.insertCommitLogEntries([{ groupId: b('R'), serializedEntry: b('ce'), serializedSignature: b('cs') }]);
        await store.close();
        open.splice(open.indexOf(store), 1);
        store = await reopen();
        expect(await store.queryGroupMessages(b('R'), { direction: 'ascending', cursor: 0n, limit: 10 })).toEqual([m]);
        expect(await store.queryWelcomes(b('ri'), { direction: 'ascending', cursor: 0n, limit: 10 })).toEqual([w]);
        expect(await store.fetchKeyPackages([b('rk')])).toEqual([kp]);
        expect(await store.identityLog('rin')).toEqual([u]);
        expect(await store.inboxIdsFor([addr(3)])).toEqual(['rin']);
        expect(await store.queryCommitLog(b('R'), 0n, 10)).toEqual([c]);
        const [next] = await store.insertGroupMessages([groupMessage('R', 'r2')]);
        expect(next!.id > m!.id).toBe(true);
      });

      it('finishes in-flight writes on close, then refuses calls with Node.StoreClosed', async () => {
        const store = await fresh();
        const inFlight = store.insertGroupMessages([groupMessage('Z', 'z1')]);
        const closing = store.close();
        const [rec] = await inFlight;
        await closing;
        open.splice(open.indexOf(store), 1);
        await rejectsWithCode(store.insertGroupMessages([groupMessage('Z', 'z2')]), 'Node.StoreClosed');
        await rejectsWithCode(store.queryGroupMessages(b('Z'), { direction: 'ascending', cursor: 0n, limit: 1 }), 'Node.StoreClosed');
        const again = await reopen();
        expect(await again.queryGroupMessages(b('Z'), { direction: 'ascending', cursor: 0n, limit: 10 })).toEqual([rec]);
      });
    });
  });
}
