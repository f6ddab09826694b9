// Scenario `aggregate-load`: rebuilding one account from a 1 000 000-event
// stream through the command-service's own AccountRepository.load (the event
// store's loadStream, parseAccountEvent, the fold):
// - cold: no snapshot, every event read and folded → events/s;
// - snapshot: after real commands made a snapshot fall due (SNAPSHOT_EVERY)
//   and added half an interval of events after it → load latency.
// The aggregate cache is bypassed (forget) before every load: each one reads the store.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DepositMoney } from '../../dist/apps/command-service/src/accounts/deposit/deposit.command.js';
import { AccountRepository } from '../../dist/apps/command-service/src/accounts/account.repository.js';
import { CommandServiceConfig } from '../../dist/apps/command-service/src/command-service.config.js';
import {
  ACCOUNT_EVENT_SCHEMA_VERSIONS,
  ACCOUNT_SNAPSHOT_SCHEMA_VERSION,
  ACCOUNT_STREAM_TYPE,
  accountStreamId,
} from '../../dist/libs/banking/src/index.js';
import { bootCommandService, commandContext } from '../lib/command-service.mjs';
import { migrate, withClient } from '../lib/database.mjs';
import { latencySummary } from '../lib/load.mjs';
import { ACCOUNTS } from '../lib/settings.mjs';

/** Events of each of the ACCOUNTS other streams around the big one. */
const OTHER_STREAM_EVENTS = 10;
const SNAPSHOT_LOADS = 200;
const SNAPSHOT_WARMUP_LOADS = 20;

/** @param {import('../worker.mjs').ScenarioContext} context */
export async function run({ databaseUrl, settings, log }) {
  const events = settings.aggregateEvents;
  const accountId = randomUUID();

  await migrate(databaseUrl);
  log(`writing ${events} events to one account stream`);
  const seedStarted = performance.now();
  await seedStream(databaseUrl, accountId, events);
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  const { app, commands } = await bootCommandService();
  try {
    const repository = app.get(AccountRepository, { strict: false });
    const config = app.get(CommandServiceConfig, { strict: false });
    const load = () => {
      repository.forget(accountId);
      return repository.load(accountId);
    };

    // Cold: one unmeasured load (JIT, page cache), then as many as fit in BENCH_SECONDS.
    log('cold loads (no snapshot)');
    check(await load(), events);
    const coldMs = [];
    const coldStarted = performance.now();
    while (coldMs.length < 2 || performance.now() - coldStarted < settings.seconds * 1000) {
      const started = performance.now();
      check(await load(), events);
      coldMs.push(performance.now() - started);
    }
    const coldSeconds = coldMs.reduce((a, b) => a + b, 0) / 1000;

    // Snapshot: deposits through the CommandBus until the repository writes a
    // snapshot (its own SNAPSHOT_EVERY rule), then half an interval more, so a
    // load reads the snapshot and a typical tail of events after it.
    const every = config.SNAPSHOT_EVERY;
    const toSnapshot = every - (events % every);
    const tail = Math.floor(every / 2);
    log(`${toSnapshot + tail} deposits through the CommandBus (snapshot every ${every} events)`);
    for (let i = 0; i < toSnapshot + tail; i++) {
      const answer = await commands.execute(new DepositMoney(accountId, 1, commandContext()));
      if (answer.status !== 200) throw new Error(`a deposit answered ${answer.status}`);
    }
    const snapshotVersion = await withClient(databaseUrl, async (client) => {
      const { rows } = await client.query(
        'SELECT version FROM snapshots WHERE stream_id = $1 AND schema_version = $2',
        [accountStreamId(accountId), ACCOUNT_SNAPSHOT_SCHEMA_VERSION],
      );
      return rows[0] ? Number(rows[0].version) : undefined;
    });
    if (snapshotVersion !== events + toSnapshot) {
      throw new Error(`expected a snapshot at version ${events + toSnapshot}, found ${snapshotVersion}`);
    }

    log(`${SNAPSHOT_LOADS} loads from the snapshot`);
    const finalVersion = events + toSnapshot + tail;
    for (let i = 0; i < SNAPSHOT_WARMUP_LOADS; i++) check(await load(), finalVersion);
    const snapshotMs = [];
    for (let i = 0; i < SNAPSHOT_LOADS; i++) {
      const started = performance.now();
      check(await load(), finalVersion);
      snapshotMs.push(performance.now() - started);
    }

    return [
      {
        name: 'aggregate-load/cold',
        unit: 'events',
        ops: events * coldMs.length,
        seconds: coldSeconds,
        ...latencySummary(coldMs),
        details: { events_per_load: events, loads: coldMs.length, seed_seconds: Math.round(seedSeconds) },
      },
      {
        name: 'aggregate-load/snapshot',
        unit: 'loads',
        ops: snapshotMs.length,
        seconds: snapshotMs.reduce((a, b) => a + b, 0) / 1000,
        ...latencySummary(snapshotMs),
        details: {
          snapshot_version: snapshotVersion,
          events_after_snapshot: tail,
          stream_version: finalVersion,
        },
      },
    ];
  } finally {
    await app.close();
  }
}

/**
 * Writes the stream with SQL, fast: AccountOpened (no opening deposit), then
 * deposits of 1 — the shapes libs/banking's parseAccountEvent accepts, at the
 * current schema versions. Around it, ACCOUNTS other accounts with a few
 * events each: a table holding a single stream would give the planner
 * statistics no real event store has (its generic plan for the app's prepared
 * stream read then expects a third of the table and pays for JIT compilation
 * on every load). VACUUM ANALYZE last, so reads find a settled table, as for
 * events written long ago.
 */
async function seedStream(databaseUrl, accountId, events) {
  const metadata = `jsonb_build_object('correlationId', gen_random_uuid(), 'causationId', gen_random_uuid(), 'actor', 'bench-teller')`;
  await withClient(databaseUrl, async (client) => {
    const streamId = accountStreamId(accountId);
    await client.query(
      `INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
       VALUES (gen_random_uuid(), $1, $2, 1, 'AccountOpened', $3, $4, ${metadata})`,
      [
        streamId,
        ACCOUNT_STREAM_TYPE,
        ACCOUNT_EVENT_SCHEMA_VERSIONS.AccountOpened,
        { accountId, ownerId: 'bench-owner', ownerName: 'Bench Owner', currency: 'EUR', initialDeposit: 0 },
      ],
    );
    await client.query(
      `INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
       SELECT gen_random_uuid(), $1, $2, v, 'MoneyDeposited', $3,
              jsonb_build_object('accountId', $4::text, 'amount', 1, 'balanceAfter', v - 1), ${metadata}
         FROM generate_series(2, $5::bigint) AS v`,
      [streamId, ACCOUNT_STREAM_TYPE, ACCOUNT_EVENT_SCHEMA_VERSIONS.MoneyDeposited, accountId, events],
    );
    // The other accounts: opened, then OTHER_STREAM_EVENTS - 1 deposits each.
    await client.query(
      `WITH accounts AS (SELECT gen_random_uuid()::text AS id FROM generate_series(1, $1::int))
       INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
       SELECT gen_random_uuid(), $2 || '-' || a.id, $2, v,
              CASE WHEN v = 1 THEN 'AccountOpened' ELSE 'MoneyDeposited' END,
              CASE WHEN v = 1 THEN $3::int ELSE $4::int END,
              CASE WHEN v = 1
                   THEN jsonb_build_object('accountId', a.id, 'ownerId', 'bench-owner', 'ownerName', 'Bench Owner',
                                           'currency', 'EUR', 'initialDeposit', 0)
                   ELSE jsonb_build_object('accountId', a.id, 'amount', 1, 'balanceAfter', v - 1) END,
              ${metadata}
         FROM accounts a CROSS JOIN generate_series(1, $5::int) AS v`,
      [
        ACCOUNTS,
        ACCOUNT_STREAM_TYPE,
        ACCOUNT_EVENT_SCHEMA_VERSIONS.AccountOpened,
        ACCOUNT_EVENT_SCHEMA_VERSIONS.MoneyDeposited,
        OTHER_STREAM_EVENTS,
      ],
    );
    await client.query('VACUUM ANALYZE events');
  });
}

/** A load that does not rebuild the seeded state is a bug, not a figure. */
function check(state, version) {
  // Opened with 0, then one deposit of 1 per later event.
  if (state.status !== 'open' || state.version !== version || state.balance !== BigInt(version - 1)) {
    throw new Error(
      `loaded ${state.status} account at version ${state.version} with balance ${state.balance}, expected open at ${version} with ${version - 1}`,
    );
  }
}
