import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyInBatches } from '../../../src/core/client/streamBatches';

interface Item {
  key: string;
  n: number;
}

/** A source whose items are all ready at once; `exhausted` resolves once the last one was read. */
function burst(items: readonly Item[]): { source: AsyncIterable<Item>; exhausted: Promise<void>; read: () => number } {
  let read = 0;
  let done!: () => void;
  const exhausted = new Promise<void>((resolve) => (done = resolve));
  const source = (async function* () {
    for (const item of items) {
      read++;
      yield item;
    }
    done();
  })();
  return { source, exhausted, read: () => read };
}

const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

function byKey(items: readonly Item[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const item of items) out.set(item.key, [...(out.get(item.key) ?? []), item.n]);
  return out;
}

describe('applying a subscription in batches', () => {
  it('applies what arrived during a slow apply in one batch per group, in order', async () => {
    const items: Item[] = [{ key: 'a', n: 1 }, ...Array.from({ length: 30 }, (_, i) => ({ key: i % 3 === 0 ? 'b' : 'a', n: i + 2 }))];
    const { source, exhausted } = burst(items);
    const batches: Item[][] = [];
    await applyInBatches(
      source,
      (item) => item.key,
      async (key, batch) => {
        expect(batch.every((item) => item.key === key)).toBe(true);
        batches.push(batch);
        if (batches.length === 1) await exhausted;
      },
      { maxBatch: 100, maxQueued: 1000 },
    );
    // The first apply held up everything behind it: the rest came as one batch per group.
    expect(batches.length).toBeLessThanOrEqual(3);
    expect(byKey(batches.flat())).toEqual(byKey(items));
  });

  it('applies every item once, per group in order, in batches of at most maxBatch, whatever the timing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('a', 'b', 'c', 'skip'), { maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 10 }),
        async (keys, maxBatch, maxQueued, delays) => {
          const items = keys.map((key, n) => ({ key, n }));
          const applied: Item[] = [];
          let calls = 0;
          await applyInBatches(
            burst(items).source,
            (item) => (item.key === 'skip' ? undefined : item.key),
            async (key, batch) => {
              expect(batch.length).toBeGreaterThan(0);
              expect(batch.length).toBeLessThanOrEqual(maxBatch);
              expect(batch.every((item) => item.key === key)).toBe(true);
              await ticks(delays[calls++ % delays.length] ?? 0);
              applied.push(...batch);
            },
            { maxBatch, maxQueued },
          );
          expect(byKey(applied)).toEqual(byKey(items.filter((i) => i.key !== 'skip')));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('reads no further ahead than maxQueued while an apply is slow', async () => {
    const items = Array.from({ length: 50 }, (_, n) => ({ key: 'a', n }));
    const { source, read } = burst(items);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const applied: Item[] = [];
    const run = applyInBatches(
      source,
      (item) => item.key,
      async (_key, batch) => {
        await gate;
        applied.push(...batch);
      },
      { maxBatch: 4, maxQueued: 5 },
    );
    await ticks(20);
    expect(read()).toBeLessThanOrEqual(4 + 5 + 1);
    release();
    await run;
    expect(applied.map((i) => i.n)).toEqual(items.map((i) => i.n));
  });

  it('stops at a failed apply with its error, and rethrows a source failure after the items before it', async () => {
    const failing = applyInBatches(
      burst([{ key: 'a', n: 1 }, { key: 'a', n: 2 }]).source,
      (item) => item.key,
      async () => {
        throw new Error('store failed');
      },
      { maxBatch: 10, maxQueued: 10 },
    );
    await expect(failing).rejects.toThrow('store failed');

    const applied: number[] = [];
    const broken = (async function* () {
      yield { key: 'a', n: 1 };
      yield { key: 'a', n: 2 };
      throw new Error('connection lost');
    })();
    await expect(
      applyInBatches(
        broken,
        (item) => item.key,
        async (_key, batch) => {
          applied.push(...batch.map((i) => i.n));
        },
        { maxBatch: 10, maxQueued: 10 },
      ),
    ).rejects.toThrow('connection lost');
    expect(applied).toEqual([1, 2]);
  });
});
