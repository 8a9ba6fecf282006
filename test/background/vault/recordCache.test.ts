import { describe, expect, it } from 'vitest';
import { RecordCache } from '../../../src/background/vault/recordCache';

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

describe('vault record cache', () => {
  it('keeps no more plaintext than its bound, dropping the least recently used first', () => {
    const cache = new RecordCache({ maxBytes: 3 * (100 + 64), maxRecordBytes: 1000 });
    for (const k of ['a', 'b', 'c']) cache.fill(cache.version, k, 'o', bytes(100));
    cache.lookup('a');
    cache.fill(cache.version, 'd', 'o', bytes(100));
    expect(cache.lookup('b')).toBeUndefined();
    expect(cache.lookup('a')?.bytes).toEqual(bytes(100));
    expect(cache.lookup('d')?.bytes).toEqual(bytes(100));
  });

  it('never caches a record larger than the per-record bound', () => {
    const cache = new RecordCache({ maxBytes: 10_000, maxRecordBytes: 10 });
    cache.fill(cache.version, 'big', undefined, bytes(11));
    expect(cache.lookup('big')).toBeUndefined();
  });

  it('ignores a read that overlapped a write (it may hold the value from before the commit)', () => {
    const cache = new RecordCache();
    const before = cache.version;
    cache.beginWrite();
    cache.committed('k', 'o', bytes(4, 2));
    cache.endWrite();
    cache.fill(before, 'k', 'o', bytes(4, 1));
    expect(cache.lookup('k')?.bytes).toEqual(bytes(4, 2));
    const during = cache.version;
    cache.beginWrite();
    cache.fill(during, 'j', 'o', bytes(4, 1));
    expect(cache.lookup('j')).toBeUndefined();
  });

  it('wipes every cached plaintext byte when cleared (lock)', () => {
    const cache = new RecordCache();
    const secret = bytes(32, 7);
    cache.fill(cache.version, 'k', 'o', secret);
    cache.clear();
    expect(secret.every((b) => b === 0)).toBe(true);
    expect(cache.lookup('k')).toBeUndefined();
  });

  it('serves a kind as a list only while all of its records are cached, and follows commits', () => {
    const cache = new RecordCache({ maxBytes: 3 * (10 + 64), maxRecordBytes: 100 });
    cache.fillOwner(cache.version, 'o', [
      { k: 'b', bytes: bytes(10, 2) },
      { k: 'a', bytes: bytes(10, 1) },
    ]);
    expect(cache.listOwner('o')).toEqual([bytes(10, 1), bytes(10, 2)]);
    cache.committed('a', 'o', null);
    expect(cache.listOwner('o')).toEqual([bytes(10, 2)]);
    cache.committed('c', 'o', bytes(10, 3));
    expect(cache.listOwner('o')).toEqual([bytes(10, 2), bytes(10, 3)]);
    // Two more records push 'b' out: the list is no longer whole.
    cache.fill(cache.version, 'x', 'p', bytes(10));
    cache.fill(cache.version, 'y', 'p', bytes(10));
    expect(cache.listOwner('o')).toBeUndefined();
  });
});
