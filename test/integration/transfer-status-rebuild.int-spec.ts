/**
 * Rebuilding `transfer_status` from the event store into a shadow table and
 * swapping it in without downtime (SPEC §10), with command-service (relay and
 * transfer process manager embedded), the projector and query-service running
 * in-process as in production: transfers keep flowing and GET /transfers/:id
 * keeps answering during the rebuild, and the read model ends equal to a pure
 * fold of the transfer streams — no event lost or applied twice across the
 * swap. Plus the CLI: `projections:rebuild transfer-status`, `all`, resuming,
 * the rebuild lock, and `projections:status`.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
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
  type RebuildResult,
} from '../../apps/projector/src/rebuild/projection-rebuilder.js';
import { REBUILD_LOCK_CLASS } from '../../apps/projector/src/rebuild/rebuild-targets.js';
import { QueryServiceModule } from '../../apps/query-service/src/query-service.module.js';
import { accountModelDifferences } from '../support/account-fold.js';
import { call } from '../support/api.js';
import { testConfig, testPool } from '../support/database.js';
import { eventually, startApp, type RunningApp } from '../support/http.js';
import { expectNoFoldDifferences, projectorCli } from '../support/projector-cli.js';
import { createTopics } from '../support/relay.js';
import { bearer } from '../support/tokens.js';
import {
  foldTransferStreams,
  readTransferStatus,
  transferStatusDifferences,
} from '../support/transfer-fold.js';
import { embeddedTransfersSetup, settled } from '../support/transfers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cli = projectorCli;

const upcasters = new UpcasterRegistry();
for (const u of ACCOUNT_UPCASTERS) upcasters.register(u.type, u.fromVersion, u.upcast);

const transferDifferences = transferStatusDifferences;
const expectTransferStatusEqualTheFold = async (db: pg.Pool) =>
  expectNoFoldDifferences(await transferDifferences(db));
const expectAccountModelsEqualTheFold = async (db: pg.Pool) =>
  expectNoFoldDifferences(await accountModelDifferences(db));

/**
 * Stores `transfers` transfer streams straight into the event store by SQL —
 * no outbox rows, so only a rebuild brings them into transfer_status — in four
 * shapes: completed, failed without a debit, failed after the debit and
 * refunded, and still pending after the debit. Stored version by version
 * across all transfers, so a transfer's events fall into different pages of
 * the replay.
 */
async function storeTransfersBySql(db: pg.Pool, transfers: number): Promise<void> {
  await db.query(
    `WITH t AS MATERIALIZED (
       SELECT gen_random_uuid() AS id, gen_random_uuid() AS src, gen_random_uuid() AS dst, n, n % 4 AS shape
         FROM generate_series(1, $1::int) n),
     s (shape, version, type) AS (VALUES
       (0, 1, 'TransferRequested'), (0, 2, 'TransferDebited'), (0, 3, 'TransferCredited'), (0, 4, 'TransferCompleted'),
       (1, 1, 'TransferRequested'), (1, 2, 'TransferFailed'),
       (2, 1, 'TransferRequested'), (2, 2, 'TransferDebited'), (2, 3, 'TransferFailed'), (2, 4, 'TransferRefunded'),
       (3, 1, 'TransferRequested'), (3, 2, 'TransferDebited'))
     INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata, recorded_at)
     SELECT gen_random_uuid(), 'transfer-' || t.id, 'transfer', s.version, s.type, 1,
            CASE s.type
              WHEN 'TransferRequested' THEN jsonb_build_object('transferId', t.id, 'fromAccountId', t.src,
                                              'toAccountId', t.dst, 'amount', 100 + t.n, 'currency', 'EUR')
              WHEN 'TransferDebited' THEN jsonb_build_object('transferId', t.id, 'accountId', t.src,
                                            'amount', 100 + t.n, 'accountVersion', 2)
              WHEN 'TransferCredited' THEN jsonb_build_object('transferId', t.id, 'accountId', t.dst,
                                             'amount', 100 + t.n, 'accountVersion', 2)
              WHEN 'TransferRefunded' THEN jsonb_build_object('transferId', t.id, 'accountId', t.src,
                                             'amount', 100 + t.n, 'accountVersion', 3)
              WHEN 'TransferFailed' THEN jsonb_build_object('transferId', t.id,
                                           'reason', CASE t.shape WHEN 1 THEN 'INSUFFICIENT_FUNDS' ELSE 'TARGET_ACCOUNT_CLOSED' END,
                                           'sourceDebited', t.shape = 2)
              ELSE jsonb_build_object('transferId', t.id)
            END,
            '{"actor":"test-bulk","causationId":"bulk","correlationId":"bulk"}'::jsonb,
            timestamptz '2025-02-01' + (t.n * 5 + s.version) * interval '1 minute'
       FROM t JOIN s ON s.shape = t.shape
      ORDER BY s.version, t.n`,
    [transfers],
  );
}

describe('transfer-status rebuild', () => {
  let commands: RunningApp;
  let projector: RunningApp;
  let queries: RunningApp;
  let db: pg.Pool;
  let store: PostgresEventStore;
  const teller = bearer('teller-transfer-rebuild', ['teller']);
  let accounts: string[] = [];
  /** Transfers requested through the API (their accounts exist, so GET /transfers/:id shows them). */
  const requested: string[] = [];

  const rebuilder = () =>
    new ProjectionRebuilder(
      db,
      store,
      upcasters,
      createPersonalDataVault(db, testConfig(), PERSONAL_DATA_FIELDS),
    );
  const open = async (initialDeposit: number) => {
    const res = await call<Record<string, unknown>>(commands.url, 'POST', '/accounts', {
      body: { ownerId: `cust-${randomUUID()}`, ownerName: 'Ada Transfer', currency: 'EUR', initialDeposit },
      headers: teller,
    });
    expect(res.status).toBe(201);
    return res.body.accountId as string;
  };
  const transfer = async (from: string, to: string, amount: number, headers = teller) => {
    const res = await call<Record<string, unknown>>(commands.url, 'POST', '/transfers', {
      body: { fromAccountId: from, toAccountId: to, amount },
      headers,
    });
    if (res.status === 202) requested.push(res.body.transferId as string);
    return res;
  };
  /**
   * Waits until every transfer requested through the API is over and
   * transfer_status equals the fold, then asserts it: on a timeout the failure
   * says whether the process manager was still working (pending) or the read
   * model disagrees (differing, with the first such transfer).
   */
  const expectCaughtUp = async () => {
    const state = async () => {
      const streams = await foldTransferStreams(db, requested);
      const pending =
        requested.length - streams.size + [...streams.values()].filter((t) => t.status === 'PENDING').length;
      const { differing, first } = await transferDifferences(db);
      return { pending, differing, first };
    };
    let last = await state();
    await eventually(async () => {
      last = await state();
      return last.pending === 0 && last.differing === 0;
    }, 180_000);
    expect(last).toEqual({ pending: 0, differing: 0, first: undefined });
  };

  /**
   * Transfers among the accounts (some refused for insufficient funds) and
   * reads of GET /transfers/:id and of the table, until `stop` resolves. Paced
   * (about 30 transfers a second): the process manager keeps up however long
   * the rebuild takes, so what is pending afterwards drains in seconds.
   */
  async function underLoad<T>(stop: () => Promise<T>) {
    let running = true;
    let seed = 11;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const posted = new Map<number, number>();
    const transferLoop = async (loop: number) => {
      // One teller per loop: each stays well under the per-caller rate limit.
      const headers = bearer(`teller-transfer-load-${loop}`, ['teller']);
      while (running) {
        const from = accounts[random(accounts.length)];
        const to = accounts[(accounts.indexOf(from) + 1 + random(accounts.length - 1)) % accounts.length];
        const res = await transfer(from, to, 1 + random(4_000), headers);
        posted.set(res.status, (posted.get(res.status) ?? 0) + 1);
        await sleep(100);
      }
    };
    const seen = requested.slice(0, 40);
    const answers = new Map<string, number>();
    let reads = 0;
    const readErrors: string[] = [];
    const queryLoop = async () => {
      while (running) {
        const id = seen[random(seen.length)];
        const res = await call<{ status?: string }>(queries.url, 'GET', `/transfers/${id}`, {
          headers: teller,
        });
        const answer = `${res.status} ${res.body.status}`;
        answers.set(answer, (answers.get(answer) ?? 0) + 1);
        await sleep(5);
      }
    };
    const tableLoop = async () => {
      while (running) {
        try {
          await db.query('SELECT count(*), max(version) FROM transfer_status');
          reads += 1;
        } catch (err) {
          readErrors.push(err instanceof Error ? err.message : String(err));
        }
        await sleep(5);
      }
    };
    const loops = [transferLoop(1), transferLoop(2), transferLoop(3), queryLoop(), queryLoop(), tableLoop()];
    await sleep(300);
    const requestedBefore = requested.length;
    try {
      const result = await stop();
      await sleep(500); // the projector goes on, on the swapped-in table
      return {
        result,
        transfersDuring: requested.length - requestedBefore,
        posted,
        answers,
        reads,
        readErrors,
      };
    } finally {
      running = false;
      await Promise.all(loops);
    }
  }

  beforeAll(async () => {
    await embeddedTransfersSetup();
    db = testPool(12);
    // Outbox rows an earlier suite left for topics it never created would hold the embedded relay back.
    const { rows: leftovers } = await db.query<{ topic: string }>('SELECT DISTINCT topic FROM outbox');
    const ours: string[] = Object.values(TOPICS);
    const missing = leftovers.map((r) => r.topic).filter((t) => !ours.includes(t));
    if (missing.length > 0) await createTopics(missing, 1).catch(() => undefined);
    store = new PostgresEventStore(db, { internalTopic: TOPICS.ledgerInternal, upcasters });
    projector = await startApp(ProjectorModule);
    await projector.app.get(LedgerConsumer).assigned;
    commands = await startApp(CommandServiceModule);
    queries = await startApp(QueryServiceModule);
    accounts = await Promise.all(Array.from({ length: 16 }, () => open(20_000)));
    for (let i = 0; i < 40; i += 1) {
      const from = accounts[i % accounts.length];
      const to = accounts[(i + 1 + (i % 5)) % accounts.length];
      // Every fifth one asks for more than there is: refused, no money moved.
      expect((await transfer(from, to, i % 5 === 0 ? 1_000_000 : 100 + i)).status).toBe(202);
    }
    await settled(db, requested, 90_000);
    // Projected too: the reads under load below ask for these.
    const projected = await eventually(async () => {
      const [want, got] = [await foldTransferStreams(db, requested), await readTransferStatus(db, requested)];
      return isDeepStrictEqual(want, got);
    }, 60_000);
    expect(projected).toBe(true);
    await storeTransfersBySql(db, 4_000);
  }, 180_000);

  afterAll(async () => {
    delete process.env.OUTBOX_RELAY;
    process.env.TRANSFER_SAGA = 'off';
    delete process.env.TRANSFER_SAGA_START_FROM;
    await commands?.close();
    await queries?.close();
    await projector?.close();
    await db?.end();
  });

  it('rebuilds transfer-status while transfers flow and GET /transfers/:id keeps answering, ending equal to a fold', async () => {
    // The transfers stored by SQL reached the event store only: the live read model lacks them
    // (other suites sharing the database may have left rows of their own that differ too).
    expect((await transferDifferences(db)).differing).toBeGreaterThanOrEqual(4_000);
    const journalBefore = await db.query('SELECT id FROM projection_rebuilds');

    const run = await underLoad(() => cli('projections:rebuild', 'transfer-status'));

    expect(run.result).toMatchObject({ code: 0, stderr: '' });
    expect(run.result.stdout).toMatch(/^rebuilding transfer-status\n/);
    expect(run.result.stdout).toMatch(/swapped in transfer-status \(rebuild #\d+\)/);
    expect(run.transfersDuring).toBeGreaterThan(0);
    expect([...run.posted.keys()]).toEqual([202]);
    // Every read answered, from the old table or the new one: never an error, never a missing transfer.
    expect(run.readErrors).toEqual([]);
    expect(run.reads).toBeGreaterThan(0);
    expect([...run.answers.keys()].every((a) => /^200 (PENDING|COMPLETED|FAILED)$/.test(a))).toBe(true);

    await expectCaughtUp();
    await expectTransferStatusEqualTheFold(db);
    // Only the transfer group was rebuilt; nothing was left behind.
    const { rows: journal } = await db.query<{ read_models: string; status: string; requested: string }>(
      'SELECT read_models, status, requested FROM projection_rebuilds WHERE NOT (id = ANY($1::bigint[]))',
      [journalBefore.rows.map((r: { id: string }) => r.id)],
    );
    expect(journal).toEqual([{ read_models: 'transfer', status: 'DONE', requested: 'transfer-status' }]);
    const { rows: leftovers } = await db.query(
      `SELECT relname FROM pg_class WHERE relname LIKE 'transfer\\_status\\_\\_%'`,
    );
    expect(leftovers).toEqual([]);
  }, 300_000);

  it('loses and doubles nothing across repeated swaps while the live projector applies transfer events', async () => {
    const run = await underLoad(async () => {
      const results: RebuildResult[] = [];
      for (let i = 0; i < 5; i += 1) {
        results.push(...(await rebuilder().rebuild({ target: 'transfer-status', batchSize: 2_000 })));
      }
      return results;
    });
    expect(run.result.map((r) => r.group)).toEqual(Array(5).fill('transfer'));
    expect(run.transfersDuring).toBeGreaterThan(0);
    expect(run.readErrors).toEqual([]);
    for (const r of run.result) {
      expect(r.swap.lockedMs).toBeLessThan(5_000);
      expect(r.eventsApplied).toBeGreaterThan(4_000);
    }
    await expectCaughtUp();
    await expectTransferStatusEqualTheFold(db);
  }, 300_000);

  it('repairs a corrupted transfer_status and the projector carries on with the rebuilt table', async () => {
    const { rows } = await db.query<{ transfer_id: string }>(
      `SELECT transfer_id FROM transfer_status WHERE transfer_id = ANY($1::uuid[]) ORDER BY transfer_id LIMIT 4`,
      [requested],
    );
    const [a, b, c, d] = rows.map((r) => r.transfer_id);
    await db.query(
      `UPDATE transfer_status SET status = CASE status WHEN 'PENDING' THEN 'FAILED' ELSE 'PENDING' END,
                                  reason = 'CURRENCY_MISMATCH' WHERE transfer_id = $1`,
      [a],
    );
    await db.query('DELETE FROM transfer_status WHERE transfer_id = $1', [b]);
    await db.query('UPDATE transfer_status SET amount = amount + 1 WHERE transfer_id = $1', [c]);
    // Ahead of its stream: the projector would skip that transfer's next events.
    await db.query('UPDATE transfer_status SET version = version + 5 WHERE transfer_id = $1', [d]);
    await db.query(
      `INSERT INTO transfer_status (transfer_id, from_account_id, to_account_id, amount, currency, status,
                                    version, requested_at, updated_at)
       VALUES ($1, $2, $3, 1, 'EUR', 'COMPLETED', 4, now(), now())`,
      [randomUUID(), accounts[0], accounts[1]],
    );
    expect((await transferDifferences(db)).differing).toBe(5);

    const rebuild = await cli('projections:rebuild', 'transfer-status');
    expect(rebuild).toMatchObject({ code: 0, stderr: '' });
    await expectTransferStatusEqualTheFold(db);

    // The live projector applies new transfers to the rebuilt table; the query side shows them.
    const res = await transfer(accounts[2], accounts[3], 7);
    expect(res.status).toBe(202);
    const id = res.body.transferId as string;
    const shown = await eventually(async () => {
      const r = await call(queries.url, 'GET', `/transfers/${id}`, { headers: teller });
      return r.status === 200 && r.body.status === 'COMPLETED';
    }, 60_000);
    expect(shown).toBe(true);
    await expectCaughtUp();
  }, 300_000);

  it('keeps what the projector applied while an older transaction hides it from the gap-safe read', async () => {
    const old = await db.connect();
    try {
      // A transaction id older than the next events, open throughout the rebuild:
      // readAll stops below it, yet the live projector applies the transfers from Kafka.
      await old.query('BEGIN');
      await old.query('SELECT pg_current_xact_id()');
      const ids: string[] = [];
      for (const [from, to] of [
        [4, 5],
        [5, 6],
      ]) {
        const res = await transfer(accounts[from], accounts[to], 11);
        expect(res.status).toBe(202);
        ids.push(res.body.transferId as string);
      }
      await expectCaughtUp();

      const [result] = await rebuilder().rebuild({ target: 'transfer-status', settleTimeoutMs: 100 });
      expect(result.swap.settled).toBe(false);
      expect(result.swap.patchedStreams).toBeGreaterThanOrEqual(ids.length);
      // Right away, with no later event to trigger the projector's gap catch-up.
      await expectTransferStatusEqualTheFold(db);
    } finally {
      await old.query('ROLLBACK').catch(() => undefined);
      old.release();
    }
  }, 300_000);

  it('does not wait for a transaction that waits for the swap, as a projector batch past its account writes does', async () => {
    const holder = await db.connect();
    const waiter = await db.connect();
    try {
      // The holder keeps the swap's lock request waiting until the waiter queues behind it.
      await holder.query('BEGIN');
      await holder.query('SELECT count(*) FROM transfer_status');
      const rebuilding = rebuilder().rebuild({
        target: 'transfer-status',
        lockTimeoutMs: 30_000,
        settleTimeoutMs: 20_000,
      });
      rebuilding.catch(() => undefined);
      const swapWaiting = await eventually(
        async () => {
          const { rows } = await db.query(
            `SELECT 1 FROM pg_locks WHERE relation = 'transfer_status'::regclass
              AND mode = 'AccessExclusiveLock' AND NOT granted`,
          );
          return rows.length > 0;
        },
        60_000,
        20,
      );
      expect(swapWaiting).toBe(true);

      // Like a live batch that wrote account rows (it has a transaction id) and now reads transfer_status.
      const { rows: me } = await waiter.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await waiter.query('BEGIN');
      await waiter.query('SELECT pg_current_xact_id()');
      const waiting = waiter.query('SELECT count(*) FROM transfer_status');
      waiting.catch(() => undefined);
      const queued = await eventually(
        async () => {
          const { rows } = await db.query(
            `SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`,
            [me[0].pid],
          );
          return rows.length > 0;
        },
        10_000,
        20,
      );
      expect(queued).toBe(true);
      // A later transaction commits before the lock is granted (commands keep committing):
      // the waiter is then older than the swap's snapshot and holds its gap-safe read back.
      await db.query('SELECT pg_current_xact_id()');
      await holder.query('COMMIT');

      const [result] = await rebuilding;
      await waiting;
      await waiter.query('COMMIT');
      // Not the settle timeout (20 s): the waiter can only end after the swap, so the swap
      // compared the tables at once.
      expect(result.swap.settled).toBe(false);
      expect(result.swap.lockedMs).toBeLessThan(10_000);
      await expectTransferStatusEqualTheFold(db);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await waiter.query('ROLLBACK').catch(() => undefined);
      holder.release();
      waiter.release();
    }
  }, 180_000);

  it('refuses a second transfer-status rebuild while one runs, and all refuses before it rebuilds anything', async () => {
    const holder = await db.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1, 2)', [REBUILD_LOCK_CLASS]);
      const before = await db.query('SELECT count(*)::int AS n FROM projection_rebuilds');
      const refused = await cli('projections:rebuild', 'transfer-status');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /^projections:rebuild refused: a rebuild of transfer-status is already running/,
      );
      const all = await cli('projections:rebuild', 'all');
      expect(all.code).toBe(1);
      expect(all.stderr).toMatch(
        /^projections:rebuild refused: a rebuild of transfer-status is already running/,
      );
      const after = await db.query('SELECT count(*)::int AS n FROM projection_rebuilds');
      expect(after.rows[0].n).toBe(before.rows[0].n);
    } finally {
      await holder.query('SELECT pg_advisory_unlock_all()');
      holder.release();
    }
  }, 60_000);

  it('resumes an interrupted transfer-status rebuild as part of all, which rebuilds every projection', async () => {
    const stop = new AbortController();
    await expect(
      rebuilder().rebuild({
        target: 'transfer-status',
        batchSize: 1_000,
        signal: stop.signal,
        onProgress: () => stop.abort(),
      }),
    ).rejects.toBeInstanceOf(RebuildInterrupted);
    const { rows } = await db.query<{ id: string }>(
      `SELECT id FROM projection_rebuilds WHERE read_models = 'transfer' AND status = 'RUNNING'`,
    );
    expect(rows).toHaveLength(1);
    const status = await cli('projections:status');
    expect(status.stdout).toMatch(
      new RegExp(`^transfer-status\\n(  .*\\n)*  rebuild +#${rows[0].id} interrupted`, 'm'),
    );

    const all = await cli('projections:rebuild', 'all');
    expect(all).toMatchObject({ code: 0, stderr: '' });
    expect(all.stdout).toMatch(/^rebuilding balance, history, monthly-summary; then transfer-status\n/);
    expect(all.stdout).toMatch(
      /replaying the event store from the start of the log into shadow tables \(balance, history, monthly-summary\)/,
    );
    expect(all.stdout).toMatch(
      new RegExp(`resuming rebuild #${rows[0].id} from tx \\d+ / position \\d+ \\(transfer-status\\)`),
    );
    expect(all.stdout).toMatch(/swapped in balance, history, monthly-summary \(rebuild #\d+\)/);
    expect(all.stdout).toMatch(
      new RegExp(`swapped in transfer-status \\(rebuild #${rows[0].id}, resumed\\)`),
    );
    const { rows: last } = await db.query<{ read_models: string; requested: string }>(
      `SELECT DISTINCT ON (read_models) read_models, requested FROM projection_rebuilds
        WHERE status = 'DONE' ORDER BY read_models, id DESC`,
    );
    expect(last).toEqual([
      { read_models: 'account', requested: 'all' },
      { read_models: 'transfer', requested: 'transfer-status' },
    ]);
    await expectTransferStatusEqualTheFold(db);
    await expectAccountModelsEqualTheFold(db);
  }, 180_000);

  it('leaves transfer_status owned by the projector role and readable by the query role, whoever rebuilt it', async () => {
    // Rebuilt above by the CLI (the projector role) and in-process (the tables' owner, DB_ROLE=none).
    const { rows } = await db.query(
      `SELECT pg_get_userbyid(relowner) AS owner, has_table_privilege('cqrs_bank_query', oid, 'SELECT') AS query_reads,
              has_table_privilege('cqrs_bank_query', oid, 'INSERT') AS query_writes
         FROM pg_class WHERE relname = 'transfer_status' AND relkind = 'r'`,
    );
    expect(rows).toEqual([{ owner: 'cqrs_bank_projector', query_reads: true, query_writes: false }]);
    // query-service reads it as its own role.
    const res = await call(queries.url, 'GET', `/transfers/${requested[1]}`, { headers: teller });
    expect(res.status).toBe(200);
  });

  it('lists transfer-status in projections:status with its own rebuild and freshness', async () => {
    const status = await cli('projections:status');
    expect(status).toMatchObject({ code: 0, stderr: '' });
    for (const name of ['balance', 'history', 'monthly-summary', 'transfer-status'])
      expect(status.stdout).toMatch(new RegExp(`^${name}$`, 'm'));
    const block = status.stdout.slice(status.stdout.indexOf('\ntransfer-status\n'));
    expect(block).toMatch(/checkpoint +next offset per partition( \d+:\d+)+/);
    expect(block).toMatch(/lag +\d+ events.*; \d+\.\d s/);
    expect(block).toMatch(/newest event +reflected \d{4}-\S+, newest stored \d{4}-/);
    expect(block).toMatch(/rebuild +last #\d+ \(transfer-status\) finished \S+: \d+ events in/);
  }, 60_000);

  it('rejects an unknown projection name with the usage listing the names', async () => {
    const run = await cli('projections:rebuild', 'transfer_status');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^unknown projection "transfer_status"/);
    expect(run.stderr).toMatch(/balance \| history \| monthly-summary \| transfer-status \| all/);
    expect(run.stdout).toBe('');
  }, 30_000);
});
