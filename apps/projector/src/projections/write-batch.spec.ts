import { describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { WriteBatch, type WriteStatement } from './write-batch.js';

/** A client that records the queries it is given (the SQL itself runs in the projector's integration suites). */
function recordingClient() {
  const sent: pg.QueryConfig[] = [];
  const client = { query: async (q: pg.QueryConfig) => void sent.push(q) } as unknown as pg.ClientBase;
  return { client, sent };
}

const insertA: WriteStatement = {
  name: 'a',
  text: 'INSERT INTO a SELECT * FROM unnest($1::int[], $2::text[])',
  values: [[1], ['x']],
};
const updateB: WriteStatement = {
  name: 'b',
  text: 'UPDATE b SET v = $1 WHERE id = $2 OR parent = $2',
  values: [7, 9],
};
const notify: WriteStatement = { name: 'n', text: 'SELECT pg_notify($1, $2)', values: ['c', 'p'] };

describe('WriteBatch', () => {
  it('sends nothing when nothing was added', async () => {
    const { client, sent } = recordingClient();
    await new WriteBatch().flush(client);
    expect(sent).toEqual([]);
  });

  it('sends a single write as it is', async () => {
    const { client, sent } = recordingClient();
    const batch = new WriteBatch();
    batch.add(insertA);
    await batch.flush(client);
    expect(sent).toEqual([insertA]);
  });

  it('sends several writes as one statement: CTEs, the last one primary, parameters renumbered in order', async () => {
    const { client, sent } = recordingClient();
    const batch = new WriteBatch();
    batch.add(insertA);
    batch.add(updateB);
    batch.add(notify);
    expect(batch.size).toBe(3);
    await batch.flush(client);
    expect(sent).toHaveLength(1);
    expect(sent[0].text).toBe(
      'WITH w0 AS (INSERT INTO a SELECT * FROM unnest($1::int[], $2::text[])),\n' +
        'w1 AS (UPDATE b SET v = $3 WHERE id = $4 OR parent = $4)\n' +
        'SELECT pg_notify($5, $6)',
    );
    expect(sent[0].values).toEqual([[1], ['x'], 7, 9, 'c', 'p']);
    expect(batch.size).toBe(0);
  });

  it('names each shape of batch once: the same writes in the same order are the same prepared statement', async () => {
    const { client, sent } = recordingClient();
    const batch = new WriteBatch();
    for (const shape of [
      [insertA, updateB],
      [insertA, updateB],
      [updateB, insertA],
      [insertA, notify],
    ]) {
      for (const s of shape) batch.add(s);
      await batch.flush(client);
    }
    const names = sent.map((q) => q.name!);
    expect(names[0]).toBe(names[1]);
    expect(new Set(names).size).toBe(3);
    // Postgres keeps 63 bytes of a statement's name.
    for (const name of names) expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
  });

  it('starts afresh after a flush', async () => {
    const { client, sent } = recordingClient();
    const batch = new WriteBatch();
    batch.add(insertA);
    await batch.flush(client);
    batch.add(updateB);
    await batch.flush(client);
    expect(sent).toEqual([insertA, updateB]);
  });

  it('refuses a statement with its own WITH: data-modifying CTEs cannot nest', () => {
    expect(() =>
      new WriteBatch().add({
        name: 'w',
        text: ' with x AS (SELECT 1) INSERT INTO a SELECT * FROM x',
        values: [],
      }),
    ).toThrow(/cannot be batched/);
  });
});
