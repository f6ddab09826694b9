// Scenario `rebuild`: rebuilding the account read models (balance, history —
// and monthly summary, which shares their version guard and is always rebuilt
// with them) from BENCH_REBUILD_EVENTS (1 000 000) stored events, with the
// projector's own ProjectionRebuilder from the build, exactly as
// `npm run cli -- projections:rebuild balance` runs it: shadow tables, replay of
// the event store in its batches, indexes, ANALYZE, and the swap.
//
// The events are account streams written by SQL (lib/seed.mjs: 2 000
// accounts, AccountOpened v2 then deposits with the right balanceAfter,
// global positions interleaving the accounts), committed in several
// transactions as a real log is. The clock runs around the whole rebuild
// (all phases); afterwards the swapped-in read models are checked against
// the events: a rebuild that gets them wrong gets no figure.
import { performance } from 'node:perf_hooks';
import { ACCOUNT_UPCASTERS, PERSONAL_DATA_FIELDS } from '../../dist/libs/banking/src/index.js';
import {
  createEventStorePool,
  createPersonalDataVault,
  PostgresEventStore,
  UpcasterRegistry,
} from '../../dist/libs/event-store/src/index.js';
import { loadConfig } from '../../dist/libs/platform/src/index.js';
import { ProjectionRebuilder } from '../../dist/apps/projector/src/rebuild/projection-rebuilder.js';
import { ProjectorConfig } from '../../dist/apps/projector/src/projector.config.js';
import { migrate, withClient } from '../lib/database.mjs';
import { seedAccountStreams, STREAM_OPENING_DEPOSIT } from '../lib/seed.mjs';
import { ACCOUNTS } from '../lib/settings.mjs';

/** Connections of the rebuild's pool, as the CLI opens it. */
const POOL_SIZE = 12;
/** Events per seeding transaction: the log is written by many transactions, not one. */
const SEED_EVENTS_PER_TRANSACTION = 100_000;

/** @param {import('../worker.mjs').ScenarioContext} context */
export async function run({ databaseUrl, settings, log }) {
  const events = settings.rebuildEvents;
  const accounts = Math.min(ACCOUNTS, events);
  await migrate(databaseUrl);
  log(`writing ${events} events (${accounts} accounts)`);
  const seedStarted = performance.now();
  await withClient(databaseUrl, (client) =>
    seedAccountStreams(client, {
      accounts,
      eventsPerAccount: Math.ceil(events / accounts),
      limit: events,
      eventsPerTransaction: SEED_EVENTS_PER_TRANSACTION,
    }),
  );
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  // The CLI's set-up (apps/projector/src/cli/projections.cli.ts).
  const config = loadConfig(ProjectorConfig);
  const pool = createEventStorePool(config, 'bench-rebuild', POOL_SIZE);
  const upcasters = new UpcasterRegistry();
  for (const u of ACCOUNT_UPCASTERS) upcasters.register(u.type, u.fromVersion, u.upcast);
  const store = new PostgresEventStore(pool, { internalTopic: 'bench.rebuild.unused', upcasters });
  const vault = createPersonalDataVault(pool, config, PERSONAL_DATA_FIELDS);
  try {
    log(`rebuilding the account read models from ${events} events`);
    const started = performance.now();
    let lastLog = started;
    // The account group only: `all` would replay the log once more for transfer-status.
    const [result] = await new ProjectionRebuilder(pool, store, upcasters, vault).rebuild({
      target: 'balance',
      restart: true,
      onProgress: (p) => {
        if (performance.now() - lastLog < 5000) return;
        lastLog = performance.now();
        log(`  ${p.eventsRead} events read (${p.phase})`);
      },
    });
    const seconds = (performance.now() - started) / 1000;
    if (result.eventsReadThisRun !== events) {
      throw new Error(`the rebuild read ${result.eventsReadThisRun} events, expected ${events}`);
    }
    await withClient(databaseUrl, (client) => check(client, events, accounts));
    const round = (s) => Math.round(s * 100) / 100;
    return [
      {
        name: 'rebuild',
        unit: 'events',
        ops: result.eventsReadThisRun,
        seconds,
        p50_ms: null,
        p99_ms: null,
        details: {
          projections: result.projections,
          accounts,
          events_applied: result.eventsApplied,
          phases_seconds: Object.fromEntries(Object.entries(result.phases).map(([k, v]) => [k, round(v)])),
          swap_locked_ms: Math.round(result.swap.lockedMs),
          seed_seconds: Math.round(seedSeconds),
        },
      },
    ];
  } finally {
    await pool.end();
  }
}

/** The swapped-in read models must say what the events say, or the figure means nothing. */
async function check(client, events, accounts) {
  const { rows } = await client.query(
    `SELECT (SELECT count(*) FROM account_balance) AS accounts,
            (SELECT sum(version) FROM account_balance) AS versions,
            (SELECT sum(balance) FROM account_balance) AS balance,
            (SELECT count(*) FROM account_transactions) AS movements,
            (SELECT sum(deposits_count) FROM account_monthly_summary) AS deposits`,
  );
  const actual = Object.fromEntries(Object.entries(rows[0]).map(([k, v]) => [k, Number(v)]));
  // Every account: the opening deposit, then deposits of 1.
  const expected = {
    accounts,
    versions: events,
    balance: accounts * STREAM_OPENING_DEPOSIT + (events - accounts),
    movements: events,
    deposits: events,
  };
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`read models ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }
}
