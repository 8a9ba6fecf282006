import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { GroupCommitQueue } from '../../../src/node/storage/sqlite/groupCommit';

describe('GroupCommitQueue', () => {
  const dbs: Database.Database[] = [];
  afterEach(() => {
    for (const db of dbs.splice(0)) db.close();
  });

  it('undoes only the write that threw, keeping the others of its group commit', async () => {
    const db = new Database(':memory:');
    dbs.push(db);
    db.exec('CREATE TABLE t (v TEXT)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const queue = new GroupCommitQueue(db);
    const results = await Promise.allSettled([
      queue.write(() => insert.run('a')),
      queue.write(() => {
        insert.run('b');
        throw new Error('half done');
      }),
      queue.write(() => insert.run('c')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(queue.stats).toEqual({ commits: 1, writes: 3 });
    expect((db.prepare('SELECT v FROM t ORDER BY rowid').all() as { v: string }[]).map((r) => r.v)).toEqual(['a', 'c']);
  });
});
