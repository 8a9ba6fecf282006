import { describe, expect, it } from 'vitest';
import { KeyedMutex } from '../../../src/core/client/mutex';
import { AsyncStream } from '../../../src/core/client/stream';

describe('AsyncStream', () => {
  it('hands out pushed values in order, to waiting and later readers alike', async () => {
    const stream = new AsyncStream<number>();
    const waiting = stream.next();
    stream.push(1);
    stream.push(2);
    expect(await waiting).toEqual({ value: 1, done: false });
    expect(await stream.next()).toEqual({ value: 2, done: false });
  });

  it('ends for a waiting reader on return(), and stays ended', async () => {
    const stream = new AsyncStream<number>();
    const waiting = stream.next();
    await stream.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    stream.push(3);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('delivers buffered values before a failure, then the failure once', async () => {
    const stream = new AsyncStream<number>();
    stream.push(1);
    stream.fail(new Error('broken'));
    expect(await stream.next()).toEqual({ value: 1, done: false });
    await expect(stream.next()).rejects.toThrow('broken');
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('ends on abort and runs its cleanup once', async () => {
    const abort = new AbortController();
    const stream = new AsyncStream<number>(abort.signal);
    let cleaned = 0;
    stream.finally(() => cleaned++);
    abort.abort();
    abort.abort();
    expect(stream.ended).toBe(true);
    expect(cleaned).toBe(1);
  });

  it('fails rather than buffer without bound', async () => {
    const stream = new AsyncStream<number>(undefined, 2);
    stream.push(1);
    stream.push(2);
    stream.push(3);
    expect(await stream.next()).toEqual({ value: 1, done: false });
    expect(await stream.next()).toEqual({ value: 2, done: false });
    await expect(stream.next()).rejects.toMatchObject({ code: 'Client.Closed' });
  });
});

describe('KeyedMutex', () => {
  it('runs tasks of one key one at a time, in order, even when one fails', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    const task = (name: string, fail = false) => async () => {
      log.push(`start ${name}`);
      await new Promise((r) => setImmediate(r));
      log.push(`end ${name}`);
      if (fail) throw new Error(name);
    };
    await Promise.allSettled([mutex.run('g', task('a', true)), mutex.run('g', task('b')), mutex.run('h', task('c'))]);
    expect(log.indexOf('end a')).toBeLessThan(log.indexOf('start b'));
    expect(log.indexOf('start c')).toBeLessThan(log.indexOf('end a'));
  });
});
