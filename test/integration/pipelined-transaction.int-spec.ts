/**
 * The projector's PipelinedTransaction against the real Postgres: what it
 * commits, how a failure surfaces, and that BEGIN and COMMIT ride along with
 * the statements next to them (socket writes counted).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { PipelinedTransaction } from '../../apps/projector/src/ledger/pipelined-transaction.js';
import { testConfig, testPool } from '../support/database.js';

const TABLE = 'pipelined_transaction_test';

/** Counts the socket writes (syscalls: one per flushed write or writev) of a client's connection. */
function countWrites(client: pg.PoolClient): { readonly count: number } {
  const socket = client.connection.stream as unknown as {
    _write: (...args: unknown[]) => unknown;
    _writev: (...args: unknown[]) => unknown;
  };
  const counter = { count: 0 };
  for (const method of ['_write', '_writev'] as const) {
    const original = socket[method].bind(socket);
    socket[method] = (...args: unknown[]) => {
      counter.count += 1;
      return original(...args);
    };
  }
  return counter;
}

describe('PipelinedTransaction', () => {
  let pipelined: pg.Pool;
  let db: pg.Pool;

  beforeAll(async () => {
    pipelined = new pg.Pool({ connectionString: testConfig().DATABASE_URL, max: 2, pipeline: true });
    db = testPool(2);
    await db.query(
      `CREATE TABLE IF NOT EXISTS ${TABLE} (id uuid PRIMARY KEY, n int NOT NULL CHECK (n >= 0))`,
    );
  });
  afterAll(async () => {
    await db.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await Promise.all([pipelined.end(), db.end()]);
  });

  /** A pipelined client for `work`, with a transaction begun and one row written in it. */
  async function withRowInTransaction(
    work: (client: pg.PoolClient, tx: PipelinedTransaction, id: string) => Promise<void>,
  ): Promise<string> {
    const id = randomUUID();
    const client = await pipelined.connect();
    try {
      const tx = PipelinedTransaction.begin(client);
      await client.query({ text: `INSERT INTO ${TABLE} (id, n) VALUES ($1, 1)`, values: [id] });
      await work(client, tx, id);
    } finally {
      client.release();
    }
    return id;
  }

  const rows = async (id: string) =>
    (await db.query<{ n: number }>(`SELECT n FROM ${TABLE} WHERE id = $1`, [id])).rows.map((r) => r.n);

  it('commits in two socket writes: BEGIN with the first read, the last write with COMMIT', async () => {
    const id = randomUUID();
    const client = await pipelined.connect();
    try {
      const writes = countWrites(client);
      const tx = PipelinedTransaction.begin(client);
      // As the projector does: the first read is issued after an await, in the same turn of the loop.
      await Promise.resolve();
      const { rows: read } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${TABLE} WHERE id = $1`,
        [id],
      );
      expect(read[0].n).toBe(0);
      expect(writes.count).toBe(1);
      await client.query({ text: `INSERT INTO ${TABLE} (id, n) VALUES ($1, 1)`, values: [id] });
      expect(writes.count).toBe(2);
      await tx.commit(() =>
        client.query({ text: `UPDATE ${TABLE} SET n = n + 1 WHERE id = $1`, values: [id] }),
      );
      expect(writes.count).toBe(3);
    } finally {
      client.release();
    }
    expect(await rows(id)).toEqual([2]);
  });

  it('rejects a commit whose last write fails, and nothing of the transaction stays', async () => {
    const id = await withRowInTransaction(async (client, tx, id) => {
      await expect(
        tx.commit(() => client.query({ text: `UPDATE ${TABLE} SET n = n - 5 WHERE id = $1`, values: [id] })),
      ).rejects.toThrow(/check constraint/);
      // The client is usable again, outside any transaction.
      await client.query('ROLLBACK');
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      expect(client.getTransactionStatus()).toBe('I');
    });
    expect(await rows(id)).toEqual([]);
  });

  it('rejects a commit after an earlier statement failed (Postgres answers COMMIT with ROLLBACK)', async () => {
    const id = await withRowInTransaction(async (client, tx) => {
      await expect(client.query(`SELECT 1/0`)).rejects.toThrow(/division by zero/);
      // A caller that went on anyway: the commit must not report success.
      await expect(tx.commit(async () => undefined)).rejects.toThrow(/ROLLBACK/);
    });
    expect(await rows(id)).toEqual([]);
  });

  it('refuses a client that does not pipeline', async () => {
    const client = await db.connect();
    try {
      expect(() => PipelinedTransaction.begin(client)).toThrow(/pipeline: true/);
      expect(client.getTransactionStatus()).toBe('I');
    } finally {
      client.release();
    }
  });
});
