import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assessEnvelope } from '../../../src/node/replication/assessEnvelope';
import { classifySequence, SequenceTracker } from '../../../src/node/replication/sequenceTracker';
import { checkTimestamp, MAX_CLOCK_AHEAD_NS } from '../../../src/node/replication/timestampSanity';
import { Misbehavior } from '../../../src/node/misbehavior/misbehavior';

const digestOf = (seq: bigint, variant = 0): Uint8Array => new TextEncoder().encode(`${seq}/${variant}`);
const NOW = 1_800_000_000_000_000_000n;

/**
 * A node receiving one originator's envelopes from several relays in any order, with repeats and
 * a few forged variants: stores exactly what `assessEnvelope` says to store.
 */
function replay(arrivals: { seq: bigint; variant: number }[]) {
  const tracker = new SequenceTracker();
  const stored = new Map<bigint, Uint8Array>();
  const decisions = arrivals.map((a) => {
    const env = { originatorNodeId: 100, sequenceId: a.seq, digest: digestOf(a.seq, a.variant), originatorNs: a.seq, relayedBy: 200 };
    const d = assessEnvelope(tracker.head(100), env, NOW, (s) => stored.get(s));
    if (d.action === 'store') {
      stored.set(a.seq, env.digest);
      tracker.advance(100, { sequenceId: a.seq, originatorNs: env.originatorNs });
    }
    return { a, d };
  });
  return { tracker, stored, decisions };
}

describe('sequence tracking of an originator stream', () => {
  it('stores a contiguous prefix 1..n and nothing else, whatever the arrival order and repeats', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ seq: fc.bigInt({ min: 1n, max: 12n }), variant: fc.constant(0) }), { maxLength: 60 }), (arrivals) => {
        const { tracker, stored } = replay(arrivals);
        const head = tracker.head(100)?.sequenceId ?? 0n;
        expect([...stored.keys()].sort((x, y) => (x < y ? -1 : 1))).toEqual(
          Array.from({ length: Number(head) }, (_, i) => BigInt(i + 1)),
        );
        expect(tracker.vectorClock().get(100) ?? 0n).toBe(head);
      }),
    );
  });

  it('never stores two different envelopes for one sequence id, and reports each attempt as the originator equivocating', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ seq: fc.bigInt({ min: 1n, max: 6n }), variant: fc.integer({ min: 0, max: 2 }) }), { maxLength: 60 }),
        (arrivals) => {
          const { stored, decisions } = replay(arrivals);
          for (const { a, d } of decisions) {
            const kept = stored.get(a.seq);
            if (d.action === 'store') continue;
            if (d.action === 'refuse' && d.reason === 'equivocation') {
              expect(d.blame).toEqual({ nodeId: 100, type: Misbehavior.DUPLICATE_SEQUENCE_ID });
              expect(kept).not.toEqual(digestOf(a.seq, a.variant));
            } else if (d.action === 'skip') {
              expect(kept).toEqual(digestOf(a.seq, a.variant));
            } else {
              expect(d.reason).toBe('gap');
              expect(d.blame).toEqual({ nodeId: 200, type: Misbehavior.OUT_OF_ORDER });
            }
          }
        },
      ),
    );
  });

  it('refuses a gap and says which sequence id it expected', () => {
    expect(classifySequence({ sequenceId: 4n, originatorNs: 0n }, { originatorNodeId: 100, sequenceId: 7n, digest: digestOf(7n) }, () => undefined)).toEqual({
      kind: 'gap',
      expected: 5n,
    });
  });

  it('refuses sequence id 0 and skips an old one it no longer holds', () => {
    const obs = (sequenceId: bigint) => ({ originatorNodeId: 100, sequenceId, digest: digestOf(sequenceId) });
    expect(classifySequence(undefined, obs(0n), () => undefined).kind).toBe('invalid');
    expect(classifySequence({ sequenceId: 9n, originatorNs: 0n }, obs(3n), () => undefined).kind).toBe('alreadyPast');
  });

  it('keeps one head per originator, and advance refuses anything but head + 1', () => {
    const t = new SequenceTracker([[200, { sequenceId: 3n, originatorNs: 10n }]]);
    t.advance(100, { sequenceId: 1n, originatorNs: 5n });
    expect(() => t.advance(200, { sequenceId: 5n, originatorNs: 11n })).toThrow(RangeError);
    expect(t.vectorClock()).toEqual(new Map([[200, 3n], [100, 1n]]));
  });
});

describe('timestamp sanity', () => {
  it('accepts non-decreasing times up to five minutes ahead, refuses the rest', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: NOW * 2n }), fc.bigInt({ min: 0n, max: NOW * 2n }), (prev, ns) => {
        const v = checkTimestamp(prev, ns, NOW);
        if (ns < prev) expect(v.kind).toBe('decreasing');
        else if (ns - NOW > MAX_CLOCK_AHEAD_NS) expect(v.kind).toBe('future');
        else expect(v.kind).toBe('ok');
      }),
    );
  });

  it('blames the originator for a stamp that goes back in time', () => {
    const d = assessEnvelope(
      { sequenceId: 1n, originatorNs: 50n },
      { originatorNodeId: 300, sequenceId: 2n, digest: digestOf(2n), originatorNs: 49n, relayedBy: 100 },
      NOW,
      () => undefined,
    );
    expect(d).toEqual({ action: 'refuse', reason: 'timestampDecreasing', blame: { nodeId: 300, type: Misbehavior.OUT_OF_ORDER } });
  });

  it('blames the originator for a stamp more than five minutes ahead', () => {
    const d = assessEnvelope(
      undefined,
      { originatorNodeId: 300, sequenceId: 1n, digest: digestOf(1n), originatorNs: NOW + MAX_CLOCK_AHEAD_NS + 1n, relayedBy: 300 },
      NOW,
      () => undefined,
    );
    expect(d.action === 'refuse' && d.reason).toBe('timestampFuture');
  });
});
