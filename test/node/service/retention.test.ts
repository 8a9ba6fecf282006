import { afterEach, describe, expect, it } from 'vitest';
import { DAY_MS, DEFAULT_RETENTION, sweepExpired } from '../../../src/node/service/retention';
import { openSqliteStore } from '../../../src/node/storage/sqlite/sqliteStore';
import type { NodeStore, WelcomeInput } from '../../../src/node/storage/types';
import { call, settle, startTestNode, type TestNode } from '../helpers';

const enc = new TextEncoder();

function welcome(installation: number, data: string): WelcomeInput {
  return { kind: 'v1', installationKey: new Uint8Array(32).fill(installation), data: enc.encode(data), hpkePublicKey: new Uint8Array(32), wrapperAlgorithm: 1, welcomeMetadata: new Uint8Array() };
}

const msOf = (ns: bigint): number => Number(ns / 1_000_000n);

describe('retention sweep', () => {
  const stores: NodeStore[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  it('keeps a welcome for 90 days by default and deletes it after, by the injected clock', async () => {
    const store = openSqliteStore({ dataDir: ':memory:' });
    stores.push(store);
    const [w] = await store.insertWelcomes([welcome(1, 'hello')]);
    const storedAt = msOf(w!.createdNs);
    expect(await sweepExpired(store, DEFAULT_RETENTION, new Date(storedAt + 89 * DAY_MS))).toEqual({ welcomes: 0, keyPackages: 0 });
    expect(await sweepExpired(store, DEFAULT_RETENTION, new Date(storedAt + 90 * DAY_MS + 1000))).toEqual({ welcomes: 1, keyPackages: 0 });
    expect(await store.queryWelcomes(w!.installationKey, { direction: 'ascending', cursor: 0n, limit: 10 })).toEqual([]);
  });

  it('keeps welcomes for ever with an age of 0, and still expires key packages past their lifetime', async () => {
    const store = openSqliteStore({ dataDir: ':memory:' });
    stores.push(store);
    const [w] = await store.insertWelcomes([welcome(2, 'kept')]);
    await store.appendIdentityUpdate({ inboxId: 'i', update: enc.encode('u'), expectedLastSequenceId: 0n, added: [{ kind: 'installation', installationKey: enc.encode('inst') }], removed: [] });
    const nowS = BigInt(Math.floor(Date.now() / 1000));
    await store.putKeyPackage({ installationKey: enc.encode('inst'), inboxId: 'i', keyPackage: enc.encode('kp'), notBefore: nowS - 3600n, notAfter: nowS + 84n * 86_400n });
    const policy = { ...DEFAULT_RETENTION, welcomeMaxAgeMs: 0 };
    expect(await sweepExpired(store, policy, new Date(Date.now() + 1000 * DAY_MS))).toEqual({ welcomes: 0, keyPackages: 1 });
    expect(await store.queryWelcomes(w!.installationKey, { direction: 'ascending', cursor: 0n, limit: 10 })).toEqual([w]);
  });

  it('sweeps in batches until nothing is left', async () => {
    const store = openSqliteStore({ dataDir: ':memory:' });
    stores.push(store);
    await store.insertWelcomes(Array.from({ length: 12_000 }, (_, i) => welcome(3, `w${i}`)));
    expect(await sweepExpired(store, DEFAULT_RETENTION, new Date(Date.now() + 91 * DAY_MS))).toEqual({ welcomes: 12_000, keyPackages: 0 });
  });

  describe('on a running node', () => {
    let node: TestNode | undefined;
    afterEach(async () => {
      await node?.stop();
      node = undefined;
    });

    it('deletes an expired welcome by its periodic sweep', async () => {
      // The node's clock is 91 days ahead: everything it stores is already past the welcome age.
      node = await startTestNode({ now: () => new Date(Date.now() + 91 * DAY_MS), retention: { ...DEFAULT_RETENTION, sweepIntervalMs: 20 } });
      const installationKey = new Uint8Array(32).fill(9);
      await call(node.client, 'sendWelcomeMessages', { messages: [{ v1: { ...welcome(9, 'old'), wrapperAlgorithm: 1 } }] });
      let left = Infinity;
      for (let i = 0; i < 200 && left > 0; i++) {
        left = (await call(node.client, 'queryWelcomeMessages', { installationKey, pagingInfo: undefined })).messages.length;
        if (left > 0) await settle(20);
      }
      expect(left).toBe(0);
    });
  });
});
