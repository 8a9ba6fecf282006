import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isParleyError } from '../../src/core/errors';
import type { InboxUiEvent } from '../../src/core/rpc/ui';
import type { Clock } from '../../src/popup/inbox/inboxEvents';
import { followInboxEvents, parseInboxEvent, STABLE_CONNECTION_MS } from '../../src/popup/inbox/inboxEvents';
import { FakeEventPort } from './fakeWorker';

const id = fc.stringMatching(/^[0-9a-f]{1,64}$/);
const count = fc.nat({ max: 1_000_000 });
const anEvent: fc.Arbitrary<InboxUiEvent> = fc.oneof(
  fc.constantFrom<InboxUiEvent>({ event: 'session' }, { event: 'conversations' }, { event: 'grants' }),
  id.map((conversationId): InboxUiEvent => ({ event: 'messages', conversationId })),
  fc.record({ unread: fc.dictionary(id, count, { maxKeys: 20 }), total: count }).map((activity): InboxUiEvent => ({ event: 'unread', activity })),
  fc.tuple(count, count).map(([a, b]): InboxUiEvent => ({ event: 'syncProgress', synced: Math.min(a, b), total: Math.max(a, b) })),
);

describe('inbox events from the worker', () => {
  it('reads back every event the worker can push, as it crosses the port (JSON)', () => {
    fc.assert(
      fc.property(anEvent, (event) => {
        expect(parseInboxEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
      }),
    );
  });

  it('answers anything else with a typed error, never another throw', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.anything(), fc.record({ event: fc.string(), conversationId: fc.anything(), activity: fc.anything() })), (value) => {
        try {
          const event = parseInboxEvent(value);
          expect(['session', 'conversations', 'grants', 'messages', 'unread', 'syncProgress']).toContain(event.event);
        } catch (e) {
          expect(isParleyError(e, 'Rpc.InvalidParams')).toBe(true);
        }
      }),
    );
  });

  it('refuses counts that are not counts and ids too long to be ids', () => {
    const bad = [
      { event: 'unread', activity: { unread: { aa: -1 }, total: 0 } },
      { event: 'unread', activity: { unread: { aa: 1.5 }, total: 1 } },
      { event: 'unread', activity: { unread: [], total: 0 } },
      { event: 'messages', conversationId: 'a'.repeat(257) },
      { event: 'messages' },
      { event: 'toString' },
      { event: 'syncProgress', synced: 3, total: 2 },
      { event: 'syncProgress', synced: 1 },
      { event: 'syncProgress', synced: -1, total: 2 },
    ];
    for (const value of bad) expect(() => parseInboxEvent(value), JSON.stringify(value)).toThrowError(expect.objectContaining({ code: 'Rpc.InvalidParams' }));
  });
});

/** A clock whose timers run when the test says. */
function manualClock() {
  let now = 0;
  const timers: { at: number; fn: () => void }[] = [];
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const timer = { at: now + ms, fn };
      timers.push(timer);
      return timer;
    },
    clearTimeout: (handle) => {
      const i = timers.indexOf(handle as (typeof timers)[number]);
      if (i >= 0) timers.splice(i, 1);
    },
  };
  /** Moves time on, running the timers due; returns the delays they were set with, in order. */
  const advance = (ms: number): void => {
    now += ms;
    for (;;) {
      const due = timers.filter((t) => t.at <= now).sort((a, b) => a.at - b.at)[0];
      if (!due) return;
      timers.splice(timers.indexOf(due), 1);
      due.fn();
    }
  };
  return { clock, advance, pending: () => timers.map((t) => t.at - now) };
}

/** Drops a fake port synchronously, as far as the follower can tell (its listeners run now). */
function dropNow(port: FakeEventPort): void {
  const listeners = (port as unknown as { disconnectListeners: (() => void)[] }).disconnectListeners;
  port.open = false;
  for (const fn of listeners) fn();
}

describe('following the worker', () => {
  it('reconnects at once after a connection that worked, and says so', () => {
    const { clock, advance } = manualClock();
    const ports: FakeEventPort[] = [];
    let reconnects = 0;
    followInboxEvents(() => ports[ports.push(new FakeEventPort()) - 1]!, { event: () => undefined, reconnected: () => reconnects++ }, clock);
    advance(STABLE_CONNECTION_MS);
    dropNow(ports[0]!);
    advance(0);
    expect(ports).toHaveLength(2);
    expect(reconnects).toBe(1);
  });

  it('backs off after connections that fail at once, and stops trying when closed', () => {
    const { clock, advance, pending } = manualClock();
    const ports: FakeEventPort[] = [];
    const close = followInboxEvents(() => ports[ports.push(new FakeEventPort()) - 1]!, { event: () => undefined, reconnected: () => undefined }, clock);
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      dropNow(ports.at(-1)!);
      delays.push(pending()[0]!);
      advance(delays.at(-1)!);
    }
    expect(delays).toEqual([0, 250, 500, 1000, 2000]);
    dropNow(ports.at(-1)!);
    close();
    advance(60_000);
    expect(ports).toHaveLength(6);
  });

  it('keeps trying when the browser refuses to connect (the extension is being reloaded)', () => {
    const { clock, advance } = manualClock();
    let attempts = 0;
    const port = new FakeEventPort();
    followInboxEvents(
      () => {
        if (++attempts < 3) throw new Error('Extension context invalidated.');
        return port;
      },
      { event: () => undefined, reconnected: () => undefined },
      clock,
    );
    advance(0);
    advance(250);
    expect(attempts).toBe(3);
  });

  it('hands on valid pushes and drops malformed ones', async () => {
    const port = new FakeEventPort();
    const seen: InboxUiEvent[] = [];
    const close = followInboxEvents(() => port, { event: (e) => seen.push(e), reconnected: () => undefined });
    port.deliver({ event: 'bogus' });
    port.deliver({ event: 'grants' });
    await new Promise((r) => setTimeout(r, 5));
    close();
    expect(seen).toEqual([{ event: 'grants' }]);
    expect(port.open).toBe(false);
  });
});
