/**
 * Rebuilding the account read models from the event store into shadow tables
 * and swapping them in without downtime (SPEC §10), with command-service
 * (relay embedded) and the projector running in-process as in production:
 * commands keep flowing and queries keep answering during the rebuild, and
 * the read models end equal to a pure fold of the event store. Plus the CLI:
 * `projections:rebuild`, `projections:status`, and its usage errors.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ACCOUNT_UPCASTERS, PERSONAL_DATA_FIELDS } from '@cqrs-bank/banking';
import { TOPICS } from '@cqrs-bank/contracts';
import { createPersonalDataVault, PostgresEventStore, UpcasterRegistry } from '@cqrs-bank/event-store';
import type pg from 'pg';
import { CommandServiceModule } from '../../apps/command-service/src/command-service.module.js';
import { LedgerConsumer } from '../../apps/projector/src/ledger/ledger-consumer.js';
import { ProjectorModule } from '../../apps/projector/src/projector.module.js';
import {
  ProjectionRebuilder,
  RebuildInterrupted,
} from '../../apps/projector/src/rebuild/projection-rebuilder.js';
import { accountModelDifferences } from '../support/account-fold.js';
import { call } from '../support/api.js';
import { testConfig, testPool } from '../support/database.js';
import { eventually, startApp, type RunningApp } from '../support/http.js';
import { expectNoFoldDifferences, projectorCli } from '../support/projector-cli.js';
import { createTopics } from '../support/relay.js';
import { bearer, TEST_JWT_SECRET } from '../support/tokens.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cli = projectorCli;

const upcasters = new UpcasterRegistry();
for (const u of ACCOUNT_UPCASTERS) upcasters.register(u.type, u.fromVersion, u.upcast);

const differences = accountModelDifferences;
const expectReadModelsEqualTheFold = async (db: pg.Pool) => expectNoFoldDifferences(await differences(db));

/**
 * Stores `accounts` × `eventsEach` account events straight into the event
 * store by SQL — no outbox rows, so only a rebuild can bring them into the
 * read models — spread over several months.
 */
async function storeEventsBySql(db: pg.Pool, accounts: number, eventsEach: number): Promise<void> {
  await db.query(
    `WITH a AS MATERIALIZED (SELECT gen_random_uuid() AS id, n FROM generate_series(1, $1::int) n)
     INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata, recorded_at)
     SELECT gen_random_uuid(), 'account-' || a.id, 'account', v,
            CASE WHEN v = 1 THEN 'AccountOpened' WHEN v % 3 = 0 THEN 'MoneyWithdrawn' ELSE 'MoneyDeposited' END,
            CASE WHEN v = 1 THEN 2 ELSE 1 END,
            CASE WHEN v = 1
              THEN jsonb_build_object('accountId', a.id, 'ownerId', 'cust-bulk-' || a.n, 'ownerName', 'Bulk Owner',
                                      'currency', 'EUR', 'initialDeposit', 1000)
              ELSE jsonb_build_object('accountId', a.id, 'amount', 10,
                                      'balanceAfter', 1000 + 10 * ((v - 1) - (v / 3) - (v / 3)))
            END,
            '{"actor":"test-bulk","causationId":"bulk","correlationId":"bulk"}'::jsonb,
            timestamptz '2025-01-01' + (a.n * $2::int + v) * interval '7 minutes'
       FROM a, generate_series(1, $2::int) v
      ORDER BY a.n, v`,
    [accounts, eventsEach],
  );
}

describe('projection rebuild', () => {
  let commands: RunningApp;
  let projector: RunningApp;
  let db: pg.Pool;
  let store: PostgresEventStore;
  const teller = bearer('teller-rebuild', ['teller']);
  let accounts: string[] = [];

  const post = (path: string, body: unknown) =>
    call<Record<string, unknown>>(commands.url, 'POST', path, { body, headers: teller });
  const open = async (initialDeposit: number) => {
    const res = await post('/accounts', {
      ownerId: `cust-${randomUUID()}`,
      ownerName: 'Ada Rebuilt',
      currency: 'EUR',
      initialDeposit,
    });
    expect(res.status).toBe(201);
    return res.body.accountId as string;
  };
  const caughtUp = () => eventually(async () => (await differences(db)).differing === 0, 60_000);

  beforeAll(async () => {
    process.env.JWT_SECRET = TEST_JWT_SECRET;
    process.env.OUTBOX_RELAY = 'embedded';
    await createTopics([TOPICS.ledgerInternal, TOPICS.accountEvents, TOPICS.projectorDlq], 12).catch(
      () => undefined,
    );
    db = testPool(12);
    // Suites that ran before in this database may have left outbox rows for
    // topics they never created (projector.int-spec's gap test does): the
    // embedded relay would retry them forever, in order, and publish nothing.
    const { rows: leftovers } = await db.query<{ topic: string }>('SELECT DISTINCT topic FROM outbox');
    const ours: string[] = Object.values(TOPICS);
    const missing = leftovers.map((r) => r.topic).filter((t) => !ours.includes(t));
    if (missing.length > 0) await createTopics(missing, 1).catch(() => undefined);
    store = new PostgresEventStore(db, { internalTopic: TOPICS.ledgerInternal, upcasters });
    projector = await startApp(ProjectorModule);
    await projector.app.get(LedgerConsumer).assigned;
    commands = await startApp(CommandServiceModule);
    accounts = await Promise.all(Array.from({ length: 30 }, () => open(10_000)));
    await storeEventsBySql(db, 4_000, 10);
  }, 120_000);

  afterAll(async () => {
    delete process.env.OUTBOX_RELAY;
    await commands?.close();
    await projector?.close();
    await db?.end();
  });

  it('rebuilds while commands flow and queries keep answering, ending equal to a fold of the event store', async () => {
    let running = true;
    const done: number[] = [];
    const statuses = new Map<number, number>();
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const commandLoop = async () => {
      while (running) {
        const accountId = accounts[random(accounts.length)];
        const res = await post(random(3) === 0 ? '/withdraw' : '/deposit', {
          accountId,
          amount: 1 + random(300),
        });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        done.push(Date.now());
      }
    };
    const readBalances = {
      name: 'rebuild_test_balances',
      text: 'SELECT account_id, balance, version FROM account_balance WHERE account_id = ANY($1::uuid[]) ORDER BY account_id',
      values: [accounts],
    };
    const queryErrors: string[] = [];
    let queries = 0;
    const queryLoop = async () => {
      while (running) {
        try {
          // Prepared, as the query-service's reads are: the swap must re-plan it onto the new table.
          await db.query(readBalances);
          await db.query('SELECT count(*) FROM account_balance');
          queries += 1;
        } catch (err) {
          queryErrors.push(err instanceof Error ? err.message : String(err));
        }
      }
    };
    const loops = [commandLoop(), commandLoop(), commandLoop(), commandLoop(), queryLoop(), queryLoop()];

    await sleep(300);
    const startedAt = Date.now();
    const rebuild = await cli('projections:rebuild', 'all');
    const endedAt = Date.now();
    await sleep(500); // the projector goes on, on the swapped-in tables
    running = false;
    await Promise.all(loops);

    expect(rebuild).toMatchObject({ code: 0, stderr: '' });
    expect(rebuild.stdout).toMatch(/swapped in balance, history, monthly-summary/);
    expect(done.filter((t) => t >= startedAt && t <= endedAt).length).toBeGreaterThan(0);
    expect([...statuses.keys()].every((s) => s === 200 || s === 422)).toBe(true);
    expect(queryErrors).toEqual([]);
    expect(queries).toBeGreaterThan(0);

    expect(await caughtUp()).toBe(true);
    await expectReadModelsEqualTheFold(db);
    // The statement prepared before the swap reads the swapped-in table.
    const unprepared = await db.query({ ...readBalances, name: undefined });
    expect((await db.query(readBalances)).rows).toEqual(unprepared.rows);
    // The swap left the live names behind, ready for the next rebuild.
    const { rows } = await db.query<{ relname: string }>(
      `SELECT relname FROM pg_class WHERE relname LIKE 'account\\_%\\_\\_%' ORDER BY relname`,
    );
    expect(rows).toEqual([]);
  }, 180_000);

  it('repairs a corrupted read model: rebuilding history rebuilds the three together', async () => {
    const [a, b, c] = accounts;
    await db.query('UPDATE account_balance SET balance = balance + 12345 WHERE account_id = $1', [a]);
    await db.query('DELETE FROM account_transactions WHERE account_id = $1 AND version <= 3', [b]);
    await db.query(
      'UPDATE account_monthly_summary SET deposits_total = 1, deposits_count = 99 WHERE account_id = $1',
      [c],
    );
    await db.query(
      `INSERT INTO account_balance (account_id, owner_id, owner_name, currency, status, balance, version,
                                    lifetime_deposits, opened_at, updated_at)
       VALUES ($1, 'cust-ghost', 'Ghost', 'EUR', 'OPEN', 1, 1, 1, now(), now())`,
      [randomUUID()],
    );
    expect((await differences(db)).differing).toBe(4);

    const rebuild = await cli('projections:rebuild', 'history');
    expect(rebuild).toMatchObject({ code: 0, stderr: '' });
    expect(rebuild.stdout).toMatch(/history shares one version guard with balance and monthly-summary/);
    await expectReadModelsEqualTheFold(db);

    // The live projector carries on with the rebuilt tables.
    expect((await post('/deposit', { accountId: b, amount: 5 })).status).toBe(200);
    expect(await caughtUp()).toBe(true);
  }, 120_000);

  it('resumes an interrupted rebuild from its checkpoint', async () => {
    const stop = new AbortController();
    const rebuilder = new ProjectionRebuilder(
      db,
      store,
      upcasters,
      createPersonalDataVault(db, testConfig(), PERSONAL_DATA_FIELDS),
    );
    await expect(
      rebuilder.rebuild({
        target: 'balance',
        batchSize: 2_000,
        signal: stop.signal,
        onProgress: () => stop.abort(),
      }),
    ).rejects.toBeInstanceOf(RebuildInterrupted);
    const { rows } = await db.query<{ id: string; status: string; events_read: string }>(
      'SELECT id, status, events_read FROM projection_rebuilds ORDER BY id DESC LIMIT 1',
    );
    expect(rows[0]).toMatchObject({ status: 'RUNNING', events_read: '2000' });

    const status = await cli('projections:status');
    expect(status.stdout).toMatch(new RegExp(`#${rows[0].id} interrupted`));

    const resumed = await cli('projections:rebuild', 'monthly-summary');
    expect(resumed).toMatchObject({ code: 0, stderr: '' });
    expect(resumed.stdout).toMatch(
      new RegExp(`resuming rebuild #${rows[0].id} from tx \\d+ / position \\d+`),
    );
    expect(resumed.stdout).toMatch(/swapped in/);
    await expectReadModelsEqualTheFold(db);
  }, 120_000);

  it('keeps what the projector applied while an older transaction hides it from the gap-safe read', async () => {
    const [x] = accounts;
    // A transaction with an id older than the next events, open throughout the rebuild:
    // readAll stops below it, yet the live projector applies the deposits from Kafka.
    const old = await db.connect();
    try {
      await old.query('BEGIN');
      await old.query('SELECT pg_current_xact_id()');
      for (const amount of [11, 22, 33])
        expect((await post('/deposit', { accountId: x, amount })).status).toBe(200);
      expect(await caughtUp()).toBe(true);

      // `all` rebuilds the account group first.
      const [result] = await new ProjectionRebuilder(
        db,
        store,
        upcasters,
        createPersonalDataVault(db, testConfig(), PERSONAL_DATA_FIELDS),
      ).rebuild({
        target: 'all',
        settleTimeoutMs: 100,
      });
      expect(result.swap.settled).toBe(false);
      expect(result).toMatchObject({ group: 'account' });
      expect(result.swap.patchedStreams).toBeGreaterThanOrEqual(1);
      // Right away, with no later event to trigger the projector's gap catch-up.
      await expectReadModelsEqualTheFold(db);
    } finally {
      await old.query('ROLLBACK').catch(() => undefined);
      old.release();
    }
  }, 120_000);

  it('refuses a second rebuild while one runs, and starts an interrupted one over with --restart', async () => {
    // Whoever holds the group's rebuild lock is a running rebuild.
    const holder = await db.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1, 1)', [0x52424c44]);
      const refused = await cli('projections:rebuild', 'all');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^projections:rebuild refused: a rebuild of .* is already running/);
    } finally {
      await holder.query('SELECT pg_advisory_unlock_all()');
      holder.release();
    }

    const stop = new AbortController();
    await expect(
      new ProjectionRebuilder(
        db,
        store,
        upcasters,
        createPersonalDataVault(db, testConfig(), PERSONAL_DATA_FIELDS),
      ).rebuild({
        target: 'all',
        batchSize: 2_000,
        signal: stop.signal,
        onProgress: () => stop.abort(),
      }),
    ).rejects.toBeInstanceOf(RebuildInterrupted);
    const restarted = await cli('projections:rebuild', 'all', '--restart');
    expect(restarted).toMatchObject({ code: 0, stderr: '' });
    expect(restarted.stdout).toMatch(/replaying the event store from the start of the log/);
    const { rows } = await db.query<{ status: string; last_error: string | null }>(
      `SELECT status, last_error FROM projection_rebuilds WHERE read_models = 'account' ORDER BY id DESC LIMIT 2`,
    );
    expect(rows).toEqual([
      { status: 'DONE', last_error: null },
      { status: 'ABANDONED', last_error: 'restarted' },
    ]);
    await expectReadModelsEqualTheFold(db);
  }, 120_000);

  it('leaves the swapped-in tables owned by the projector role, readable by the query role, whoever rebuilt them', async () => {
    // The rebuilds above ran both as the projector role (the CLI) and as the tables' owner (DB_ROLE=none).
    const { rows } = await db.query<{ relname: string; owner: string; query_reads: boolean }>(
      `SELECT relname, pg_get_userbyid(relowner) AS owner,
              has_table_privilege('cqrs_bank_query', oid, 'SELECT') AS query_reads
         FROM pg_class WHERE relname = ANY($1) AND relkind = 'r' ORDER BY relname`,
      [['account_balance', 'account_monthly_summary', 'account_transactions']],
    );
    expect(rows).toEqual(
      ['account_balance', 'account_monthly_summary', 'account_transactions'].map((relname) => ({
        relname,
        owner: 'cqrs_bank_projector',
        query_reads: true,
      })),
    );
  });

  it('prints each projection with its checkpoint, lag and last rebuild', async () => {
    const status = await cli('projections:status');
    expect(status).toMatchObject({ code: 0, stderr: '' });
    for (const name of ['balance', 'history', 'monthly-summary', 'transfer-status']) {
      expect(status.stdout).toMatch(new RegExp(`^${name}$`, 'm'));
    }
    expect(status.stdout).toMatch(/checkpoint +next offset per partition( \d+:\d+)+/);
    expect(status.stdout).toMatch(/lag +\d+ events.*; \d+\.\d s/);
    expect(status.stdout).toMatch(/newest event +reflected \d{4}-/);
    expect(status.stdout).toMatch(/rebuild +last #\d+ \(all\) finished \S+: \d+ events in/);
  }, 60_000);

  it('rejects an unknown projection name with usage and a non-zero exit', async () => {
    const run = await cli('projections:rebuild', 'balances');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/^unknown projection "balances"/);
    expect(run.stderr).toMatch(/usage: npm run cli -- <command>/);
    expect(run.stderr).toMatch(/balance \| history \| monthly-summary \| transfer-status \| all/);
    expect(run.stdout).toBe('');

    const none = await cli('projections:rebuild');
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/usage:/);
  }, 30_000);
});
