import { describe, expect, it } from 'vitest';
import { DisappearingSweep } from '../../../src/core/client/disappearingSweep';
import type { MessagingEngine } from '../../../src/core/client/engine';
import type { GroupSession } from '../../../src/core/client/groupSession';
import type { ExpiredWindow, GroupRecord } from '../../../src/core/client/store';
import { ParleyError } from '../../../src/core/errors';
import { METADATA_FIELD, mutableMetadataExtension } from '../../../src/core/mls/extensionsMutableMetadata';

const NOW = new Date(1_000_000);
const NOW_NS = 1_000_000n * 1_000_000n;

/** A group whose messages disappear 1 s after they were sent, from t = 1 ns. */
function session(id: string): GroupSession {
  const extensions = [
    mutableMetadataExtension({
      attributes: new Map([
        [METADATA_FIELD.messageDisappearFromNs, '1'],
        [METADATA_FIELD.messageDisappearInNs, '1000000000'],
      ]),
      adminList: [],
      superAdminList: [],
    }),
  ];
  return { record: { id } as GroupRecord, state: { groupContext: { extensions } }, intents: [] } as unknown as GroupSession;
}

/** Just what the sweep reads of the engine: the group list, group states, the clock and the delete. */
function fakeEngine(loadFails: ReadonlyMap<string, unknown>) {
  const deletes: { groupId: string; window: ExpiredWindow }[] = [];
  const engine = {
    ctx: {
      now: () => NOW,
      store: {
        listGroups: async () => ['a', 'b', 'c'].map((id) => ({ id }) as GroupRecord),
        deleteExpiredMessages: async (groupId: string, window: ExpiredWindow) => {
          deletes.push({ groupId, window });
          return 1;
        },
      },
    },
    updateRecord: async (id: string, change: (record: GroupRecord, session: GroupSession) => GroupRecord) => {
      if (loadFails.has(id)) throw loadFails.get(id);
      return change({ id } as GroupRecord, session(id));
    },
    peek: () => undefined,
  } as unknown as MessagingEngine;
  return { engine, deletes };
}

describe('the disappearing-message sweep over every group', () => {
  it('sweeps the other groups when one group fails to load, and reports that one', async () => {
    const broken = new ParleyError('Codec.Malformed', 'The stored group state does not decode.');
    const { engine, deletes } = fakeEngine(new Map([['b', broken]]));
    const errors: unknown[] = [];
    const sweep = new DisappearingSweep(engine, (e) => errors.push(e));
    expect(await sweep.sweepAll()).toBe(2);
    expect(deletes.map((d) => d.groupId)).toEqual(['a', 'c']);
    expect(deletes[0]?.window).toEqual({ fromNs: 1n, toNs: NOW_NS - 1_000_000_000n });
    expect(errors).toEqual([broken]);
  });

  it('stops at a closed or locked store instead of reporting every group', async () => {
    for (const gone of [new ParleyError('Client.StoreClosed', 'closed'), new ParleyError('Vault.Locked', 'locked')]) {
      const { engine, deletes } = fakeEngine(new Map([['a', gone]]));
      const errors: unknown[] = [];
      await expect(new DisappearingSweep(engine, (e) => errors.push(e)).sweepAll()).rejects.toBe(gone);
      expect(deletes).toEqual([]);
      expect(errors).toEqual([]);
    }
  });
});
