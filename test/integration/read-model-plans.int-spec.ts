/**
 * The plans Postgres gives the projector's updates. They are prepared
 * statements: after a few executions Postgres may switch to a generic plan,
 * made without knowing how many rows the batch brings. On a small table that
 * plan used to join by reading every row (a batch of one withdrawal read all
 * 2 000 accounts of the e2e-lag benchmark); the statements now name their
 * keys with `= ANY($1)`, and the generic plan reads them by primary key.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PostgresEventStore, UpcasterRegistry } from '@cqrs-bank/event-store';
import type pg from 'pg';
import { BalanceProjection } from '../../apps/projector/src/projections/balance/balance.projection.js';
import { TransferStatusProjection } from '../../apps/projector/src/projections/transfer-status/transfer-status.projection.js';
import type { WriteStatement } from '../../apps/projector/src/projections/write-batch.js';
import { testPool } from '../support/database.js';

/** The generic plan of `statement` (as Postgres would cache it), as text. */
async function genericPlan(client: pg.PoolClient, statement: WriteStatement): Promise<string> {
  const name = `plan_test_${randomUUID().replaceAll('-', '')}`;
  await client.query('SET plan_cache_mode = force_generic_plan');
  await client.query(`PREPARE ${name} AS ${statement.text}`);
  try {
    // EXPLAIN EXECUTE takes literals: each value as the text pg would have sent for it.
    const args: string[] = [];
    for (const value of statement.values) {
      const { rows } = await client.query<{ t: string | null }>('SELECT $1::text AS t', [value]);
      args.push(rows[0].t === null ? 'NULL' : client.escapeLiteral(rows[0].t));
    }
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN EXECUTE ${name}(${args.join(', ')})`,
    );
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  } finally {
    await client.query(`DEALLOCATE ${name}`);
    await client.query('RESET plan_cache_mode');
  }
}

describe('read-model update plans', () => {
  let pool: pg.Pool;
  let client: pg.PoolClient;

  beforeAll(async () => {
    pool = testPool(2);
    client = await pool.connect();
  });
  afterAll(async () => {
    client.release();
    await pool.end();
  });

  it('account_balance: a generic plan reads the batch accounts by primary key, never the whole table', async () => {
    const writes = new BalanceProjection().begin();
    const accountId = randomUUID();
    writes.add({
      accountId,
      version: 2,
      eventId: randomUUID(),
      event: { type: 'MoneyWithdrawn', data: { accountId, amount: 1, balanceAfter: 9 } },
      recordedAt: new Date(),
    });
    const [update] = writes.statements();
    expect(update.text).toMatch(/^\s*UPDATE/);
    const plan = await genericPlan(client, update);
    expect(plan).toMatch(/Index Cond: \(account_id = ANY/);
    expect(plan).not.toMatch(/Seq Scan on account_balance/);
  });

  it('transfer_status: a generic plan reads the batch transfers by primary key, never the whole table', async () => {
    const projection = new TransferStatusProjection(
      new PostgresEventStore(pool, { internalTopic: 'test.plans' }),
      new UpcasterRegistry(),
    );
    const [update] = projection.statements([
      { transferId: randomUUID(), status: 'COMPLETED', reason: null, version: 3, updatedAt: new Date() },
    ]);
    expect(update.text).toMatch(/^\s*UPDATE/);
    const plan = await genericPlan(client, update);
    expect(plan).toMatch(/Index Cond: \(transfer_id = ANY/);
    expect(plan).not.toMatch(/Seq Scan on transfer_status/);
  });
});
