// Scenario `projector`: 200 000 internal events from Kafka → the read models
// (balance, history, monthly summary), checkpointed, by the built projector
// (`node dist/apps/projector/src/main.js`, its own process).
//
// 2 000 account streams × 100 events (AccountOpened v2, then deposits with
// the right balanceAfter) are written to the event store by SQL, as the
// command-service would have appended them. The projector is started on this
// run's own topics (lib/topics.mjs) with a fresh consumer group and waits,
// joined, on an empty topic. Then their internal messages — what the relay
// would publish: the event's JSON, key `account-<uuid>`, its headers — are
// produced in global order (each account's in version order) with a
// relay-like producer, in batches of 2 000. The clock runs from the first
// produce until account_balance reflects every event (sum of versions).
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { startApp, stopApps } from '../lib/apps.mjs';
import { migrate, withClient } from '../lib/database.mjs';
import {
  benchKafka,
  createTopics,
  relayBatchSize,
  relayLikeProducer,
  removeRunArtifacts,
  waitForGroup,
} from '../lib/kafka.mjs';
import { sleep } from '../lib/load.mjs';
import { readInternalMessages, seedAccountStreams, STREAM_OPENING_DEPOSIT } from '../lib/seed.mjs';
import { ACCOUNTS } from '../lib/settings.mjs';
import { prefixedTopics, runPrefix } from '../lib/topics.mjs';

const EVENTS_PER_ACCOUNT = 100;
const EVENTS = ACCOUNTS * EVENTS_PER_ACCOUNT;
/** How often the read model is checked. */
const POLL_MS = 50;
/** Give up when the read model did not move for this long. */
const STALL_MS = 60_000;

/** @param {import('../worker.mjs').ScenarioContext} context */
export async function run({ databaseUrl, log }) {
  await migrate(databaseUrl);
  log(`writing ${EVENTS} events (${ACCOUNTS} accounts × ${EVENTS_PER_ACCOUNT}) and their internal messages`);
  const messages = await withClient(databaseUrl, async (client) => {
    await seedAccountStreams(client, { accounts: ACCOUNTS, eventsPerAccount: EVENTS_PER_ACCOUNT });
    return readInternalMessages(client);
  });

  const kafka = benchKafka('bench-projector');
  const prefix = runPrefix('projector');
  const topics = prefixedTopics(prefix);
  const groupId = `${prefix}.projector-${randomBytes(3).toString('hex')}`;
  await createTopics(kafka, [topics.ledgerInternal, topics.projectorDlq]);
  const producer = relayLikeProducer(kafka);
  const db = new pg.Client({ connectionString: databaseUrl, application_name: 'bench:projector' });
  await db.connect();
  let projector;
  try {
    // The backlog first: the projector's own pace is measured, not a producer's
    // (kafka-producer-perf: a relay-like producer sends ~20 000 msgs/s here).
    log(`producing ${messages.length} internal messages`);
    await producer.connect();
    const batchSize = relayBatchSize();
    const produceStarted = performance.now();
    for (let i = 0; i < messages.length; i += batchSize) {
      await producer.sendBatch({
        acks: -1,
        topicMessages: [{ topic: topics.ledgerInternal, messages: messages.slice(i, i + batchSize) }],
      });
    }
    const produceSeconds = (performance.now() - produceStarted) / 1000;

    log(
      'starting the projector; timing from its joining the group until the read models reflect every event',
    );
    projector = await startApp('projector', {
      topicPrefix: prefix,
      // This run's topic, from its beginning; a consumer group of this run.
      env: { PROJECTOR_GROUP_ID: groupId, PROJECTOR_START_FROM: 'earliest' },
      // Ready as soon as it listens: the clock starts when it holds its partitions.
      readyPath: '/health/live',
    });
    await waitForGroup(kafka, groupId, { pollMs: 10 });
    const started = performance.now();
    const reflectedAtStart = await reflected(db);
    await projected(db, EVENTS);
    const seconds = (performance.now() - started) / 1000;

    await check(db);
    const metric = async (name) => (await projector.metric(name)) ?? 0;
    return [
      {
        name: 'projector',
        unit: 'events',
        // Normally none were applied before the clock started; if some were, they do not count.
        ops: EVENTS - reflectedAtStart,
        seconds,
        p50_ms: null,
        p99_ms: null,
        details: {
          accounts: ACCOUNTS,
          produce_seconds: Math.round(produceSeconds * 100) / 100,
          events_before_clock: reflectedAtStart,
          applied: await metric('projector_events_applied_total'),
          caught_up: await metric('projector_events_caught_up_total'),
          duplicates: await metric('projector_events_duplicate_total'),
          dlq: await metric('projector_dlq_total'),
        },
      },
    ];
  } finally {
    await producer.disconnect().catch(() => undefined);
    await stopApps([projector], log);
    await db.end();
    await removeRunArtifacts(kafka, { topics: Object.values(topics), groups: [groupId] }, log);
  }
}

/**
 * Resolves once account_balance reflects `events` events (its versions add
 * up to them); throws when it stops moving.
 */
async function projected(db, events) {
  let last = -1;
  let progressAt = performance.now();
  for (;;) {
    const now = await reflected(db);
    if (now >= events) return;
    if (now !== last) {
      last = now;
      progressAt = performance.now();
    } else if (performance.now() - progressAt > STALL_MS) {
      throw new Error(`the read models stopped at ${now} of ${events} events for ${STALL_MS / 1000} s`);
    }
    await sleep(POLL_MS);
  }
}

/** Events account_balance reflects: every account's row carries its stream version. */
async function reflected(db) {
  const { rows } = await db.query('SELECT coalesce(sum(version), 0)::bigint AS v FROM account_balance');
  return Number(rows[0].v);
}

/** The read models must say what the events say, or the figure means nothing. */
async function check(db) {
  const { rows } = await db.query(
    `SELECT (SELECT count(*) FROM account_balance) AS accounts,
            (SELECT sum(balance) FROM account_balance) AS balance,
            (SELECT count(*) FROM account_transactions) AS movements,
            (SELECT sum(deposits_count) FROM account_monthly_summary) AS deposits`,
  );
  const actual = Object.fromEntries(Object.entries(rows[0]).map(([k, v]) => [k, Number(v)]));
  // Every account: the opening deposit, then EVENTS_PER_ACCOUNT - 1 deposits of 1.
  const expected = {
    accounts: ACCOUNTS,
    balance: ACCOUNTS * (STREAM_OPENING_DEPOSIT + EVENTS_PER_ACCOUNT - 1),
    movements: EVENTS,
    deposits: EVENTS,
  };
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`read models ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }
}
