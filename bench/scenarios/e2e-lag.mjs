// Scenario `e2e-lag`: how long after a withdraw commits the query side shows
// it — the whole pipeline, each app as production runs it (its own process,
// built code, production mode), on this run's own Kafka topics:
//
//   command-service (OUTBOX_RELAY=off) → outbox → outbox-relay (its own
//   process, as k8s/ deploys it) → Kafka → projector → read models → query-service
//
// 2 000 accounts are opened (and funded) with POST /accounts and projected,
// then the tables are VACUUM ANALYZEd (the statistics autovacuum would give).
// Then an open loop schedules BENCH_E2E_RATE (500) POST /withdraw per second
// at fixed times, for BENCH_E2E_SECONDS (30) after BENCH_E2E_WARMUP_SECONDS
// (10) of the same load unmeasured — four fresh processes take a few seconds
// at the rate to settle (JIT, pools, Kafka fetch sessions, the balance cache);
// the warm-up's own lag is reported in details: a command is due at its time, however many are
// still in flight (over 64 keep-alive connections, like withdraw-http's: one
// due while all are busy waits for one, and its latency counts from when it
// was due). Lag = from the withdraw's answer (its commit)
// until the read side shows the version it answered; p50/p99 over the
// measured commands. How the read side is asked (BENCH_E2E_READ):
//
// - `http` (default): GET /balance?accountId=…&minVersion=<version> on the
//   query-service — its read-your-writes wait answers as soon as the
//   projection reaches that version (503 PROJECTION_LAGGING after its bounded
//   wait: asked again). Exactly what a client sees.
// - `listen`: no query-service; the driver LISTENs on the projector's
//   account_projection_applied channel and, on each notification (and every
//   50 ms while anything is pending), reads account_balance.version of the
//   accounts with pending commands in one query — the query-service's own
//   waiting mechanism without HTTP, so the driver loads the machine less.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { machineCpuSeconds, startApp, stopApps } from '../lib/apps.mjs';
import { openAccountsOverHttp, tellerToken } from '../lib/command-service.mjs';
import { migrate, withClient } from '../lib/database.mjs';
import { httpClient } from '../lib/http-client.mjs';
import { benchKafka, createTopics, removeRunArtifacts } from '../lib/kafka.mjs';
import { errorCode, latencySummary, pick, sleep } from '../lib/load.mjs';
import { ACCOUNTS } from '../lib/settings.mjs';
import { prefixedTopics, runPrefix } from '../lib/topics.mjs';

/** Connections to the command-service (withdraw-http's 64); more commands due wait for one. */
const COMMAND_CONNECTIONS = 64;
/** Connections to the query-service: each read-your-writes GET holds one while it waits. */
const READ_CONNECTIONS = 256;
/** A command whose effect the read side has not shown after this long counts as never seen. */
const GIVE_UP_MS = 30_000;
/** The projector's NOTIFY channel (apps/query-service read-your-writes listens to it too). */
const PROJECTION_CHANNEL = 'account_projection_applied';
/** `listen` mode's fallback poll while commands are pending (the query-service's POLL_INTERVAL_MS). */
const LISTEN_POLL_MS = 50;

/** @param {import('../worker.mjs').ScenarioContext} context */
export async function run({ databaseUrl, settings, log }) {
  const { e2eRate: rate, e2eSeconds: seconds, e2eRead: readMode, e2eWarmupSeconds: warmupSeconds } = settings;
  await migrate(databaseUrl);
  const kafka = benchKafka('bench-e2e');
  const prefix = runPrefix('e2e');
  const topics = prefixedTopics(prefix);
  const groupId = `${prefix}.projector-${randomBytes(3).toString('hex')}`;
  await createTopics(kafka, Object.values(topics));

  let apps = [];
  let watcher;
  try {
    log(
      `starting command-service, outbox-relay, projector${readMode === 'http' ? ' and query-service' : ''}`,
    );
    const starting = await Promise.allSettled([
      startApp('command-service', { topicPrefix: prefix, env: { OUTBOX_RELAY: 'off' } }),
      startApp('outbox-relay', { topicPrefix: prefix }),
      startApp('projector', {
        topicPrefix: prefix,
        env: { PROJECTOR_GROUP_ID: groupId, PROJECTOR_START_FROM: 'earliest' },
      }),
      ...(readMode === 'http' ? [startApp('query-service', { topicPrefix: prefix })] : []),
    ]);
    apps = starting.filter((s) => s.status === 'fulfilled').map((s) => s.value);
    const failed = starting.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const [commands, relay, projector, queries] = apps;
    const token = tellerToken();
    watcher =
      readMode === 'http' ? httpWatcher(queries.url, token) : await listenWatcher(databaseUrl, GIVE_UP_MS);

    log(`opening ${ACCOUNTS} accounts with POST /accounts and waiting for their projection`);
    const accounts = await openAccountsOverHttp(commands.url, token, ACCOUNTS);
    await projectedAccounts(databaseUrl, ACCOUNTS);
    await settleTables(databaseUrl);

    log(
      `${rate} withdrawals/s for ${warmupSeconds} s of warm-up + ${seconds} s; ` +
        `each until the read side shows it (${readMode === 'http' ? 'GET /balance?minVersion=…' : `LISTEN ${PROJECTION_CHANNEL}`})`,
    );
    const stats = { commandMs: [], lagMs: [], lagging: 0, neverSeen: 0, statuses: {}, errors: {} };
    const warmupLagMs = [];
    const cpu = cpuMeter(apps);
    const stages = stageSampler(relay, projector);
    const post = httpClient(COMMAND_CONNECTIONS);
    const { scheduled, seconds: took } = await openLoop({
      rate,
      warmupSeconds,
      seconds,
      onMeasured: () => {
        cpu.start();
        stages.start();
      },
      op: (measured, scheduledAt) =>
        withdrawUntilSeen({
          scheduledAt,
          post,
          commandUrl: commands.url,
          token,
          accountId: pick(accounts),
          watcher,
          stats: measured ? stats : undefined,
          warmupLagMs,
        }),
    });
    const cpuPercent = cpu.stop();
    const stageMaxima = await stages.stop();
    const commandLatency = latencySummary(stats.commandMs);
    const warmupLag = latencySummary(warmupLagMs);
    return [
      {
        name: 'e2e-lag',
        unit: 'cmds',
        ops: stats.lagMs.length,
        // Until the last measured command was seen: ops/s below the rate means the pipeline fell behind.
        seconds: took,
        ...latencySummary(stats.lagMs),
        details: {
          rate,
          scheduled,
          read: readMode === 'http' ? 'GET /balance?minVersion' : `LISTEN ${PROJECTION_CHANNEL}`,
          relay: 'outbox-relay process',
          connections: {
            commands: COMMAND_CONNECTIONS,
            ...(readMode === 'http' ? { reads: READ_CONNECTIONS } : {}),
          },
          // The withdraw's own latency, from its scheduled time (so a backlog counts).
          command_p50_ms: round(commandLatency.p50_ms),
          command_p99_ms: round(commandLatency.p99_ms),
          max_lag_ms: round(stats.lagMs.reduce((a, b) => Math.max(a, b), 0)),
          // The unmeasured warm-up's lag: how long the fresh pipeline takes to settle shows here.
          warmup_seconds: warmupSeconds,
          warmup_lag_p50_ms: round(warmupLag.p50_ms),
          warmup_lag_p99_ms: round(warmupLag.p99_ms),
          ...(readMode === 'http' ? { lagging_503: stats.lagging } : {}),
          never_seen: stats.neverSeen,
          non200: stats.statuses,
          errors: stats.errors,
          // Where the time goes: the worst each stage reported (sampled every second while measured).
          stages: stageMaxima,
          // Share of one core each process used while measured ("machine": all, Postgres and Kafka too).
          cpu_percent: cpuPercent,
        },
      },
    ];
  } finally {
    await watcher?.close();
    await stopApps(apps, log);
    await removeRunArtifacts(kafka, { topics: Object.values(topics), groups: [groupId] }, log);
  }
}

/**
 * Calls `op` at `rate` per second at fixed times (open loop) for
 * warmupSeconds + seconds, then waits for every call to finish; calls
 * scheduled during the warm-up get measured = false; each gets the time it
 * was due (performance.now() clock), which a late start does not move.
 * Resolves with the measured calls' count and the seconds from the first one's
 * due time until the last one finished.
 * @param {object} options
 * @param {number} options.rate
 * @param {number} options.warmupSeconds
 * @param {number} options.seconds
 * @param {(measured: boolean, dueAt: number) => Promise<void>} options.op
 * @param {() => void} [options.onMeasured]  called when the first measured call is due
 */
async function openLoop({ rate, warmupSeconds, seconds, op, onMeasured = () => undefined }) {
  const total = Math.round((warmupSeconds + seconds) * rate);
  const firstMeasured = Math.round(warmupSeconds * rate);
  const inFlight = new Set();
  const start = performance.now() + 50;
  const due = (i) => start + (i * 1000) / rate;
  let i = 0;
  while (i < total) {
    const now = performance.now();
    for (; i < total && due(i) <= now; i++) {
      if (i === firstMeasured) onMeasured();
      const call = op(i >= firstMeasured, due(i)).finally(() => inFlight.delete(call));
      inFlight.add(call);
    }
    if (i < total) await sleep(Math.max(0, due(i) - performance.now()));
  }
  await Promise.all(inFlight);
  return { scheduled: total - firstMeasured, seconds: (performance.now() - due(firstMeasured)) / 1000 };
}

/**
 * @typedef {object} Watcher
 * @property {(accountId: string, version: number) => Promise<{ seen: boolean, lagging: number }>} seen
 *   resolves when the read side shows `version` of the account (seen = false: it gave up)
 * @property {() => Promise<void>} close
 */

/**
 * POST /withdraw, then wait until the read side shows it; records into
 * `stats` (during the warm-up, when it is undefined, only the lag into `warmupLagMs`).
 */
async function withdrawUntilSeen({
  scheduledAt,
  post,
  commandUrl,
  token,
  accountId,
  watcher,
  stats,
  warmupLagMs,
}) {
  const measured = stats !== undefined;
  const count = (bucket, key) => {
    if (measured) stats[bucket][key] = (stats[bucket][key] ?? 0) + 1;
  };
  try {
    const res = await post(`${commandUrl}/withdraw`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ accountId, amount: 1 }),
    });
    const committed = performance.now();
    if (res.status !== 200) return count('statuses', `withdraw ${res.status}`);
    const { version } = JSON.parse(res.text);
    const { seen, lagging } = await watcher.seen(accountId, version);
    const at = performance.now();
    if (!measured) {
      if (seen) warmupLagMs.push(at - committed);
      return;
    }
    stats.commandMs.push(committed - scheduledAt);
    stats.lagging += lagging;
    if (seen) stats.lagMs.push(at - committed);
    else stats.neverSeen += 1;
  } catch (err) {
    count('errors', errorCode(err));
  }
}

/**
 * `http` mode: GET /balance?accountId=…&minVersion=… on the query-service,
 * asked again after each 503 PROJECTION_LAGGING.
 * @returns {Watcher}
 */
function httpWatcher(queryUrl, token) {
  const get = httpClient(READ_CONNECTIONS);
  return {
    async seen(accountId, version) {
      const started = performance.now();
      for (let lagging = 0; ; lagging++) {
        const read = await get(`${queryUrl}/balance?accountId=${accountId}&minVersion=${version}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        if (read.status === 200) return { seen: true, lagging };
        if (read.status !== 503) {
          throw Object.assign(new Error(`GET /balance answered ${read.status}`), {
            code: `balance ${read.status}`,
          });
        }
        if (performance.now() - started > GIVE_UP_MS) return { seen: false, lagging };
      }
    },
    close: async () => undefined,
  };
}

/**
 * `listen` mode: one connection LISTENs on the projector's channel; each
 * notification (and a 50 ms poll while anything is pending) runs ONE query
 * for every account with pending commands, at most one at a time — what the
 * query-service's VersionWaiter does.
 * @returns {Promise<Watcher>}
 */
async function listenWatcher(databaseUrl, giveUpMs) {
  const listener = new pg.Client({ connectionString: databaseUrl, application_name: 'bench:e2e-listen' });
  const reader = new pg.Client({ connectionString: databaseUrl, application_name: 'bench:e2e-read' });
  await Promise.all([listener.connect(), reader.connect()]);
  await listener.query(`LISTEN ${PROJECTION_CHANNEL}`);
  /** @type {Map<string, { version: number, since: number, resolve: (r: { seen: boolean, lagging: number }) => void }[]>} */
  const pending = new Map();
  let checking = false;
  let again = false;

  const check = async () => {
    if (checking) {
      again = true;
      return;
    }
    checking = true;
    try {
      do {
        again = false;
        if (pending.size === 0) break;
        const { rows } = await reader.query({
          name: 'bench_versions',
          text: 'SELECT account_id, version FROM account_balance WHERE account_id = ANY($1::uuid[])',
          values: [[...pending.keys()]],
        });
        const now = performance.now();
        const versions = new Map(rows.map((r) => [r.account_id, Number(r.version)]));
        for (const [accountId, waiters] of pending) {
          const current = versions.get(accountId) ?? 0;
          const left = waiters.filter((w) => {
            if (w.version <= current) w.resolve({ seen: true, lagging: 0 });
            else if (now - w.since > giveUpMs) w.resolve({ seen: false, lagging: 0 });
            else return true;
            return false;
          });
          if (left.length > 0) pending.set(accountId, left);
          else pending.delete(accountId);
        }
      } while (again);
    } finally {
      checking = false;
    }
  };
  // A failed lookup is retried by the next poll; a command never seen gives up after giveUpMs.
  const run = () => void check().catch(() => undefined);
  listener.on('notification', run);
  const poll = setInterval(run, LISTEN_POLL_MS);

  return {
    seen(accountId, version) {
      return new Promise((resolve) => {
        const waiters = pending.get(accountId) ?? [];
        waiters.push({ version, since: performance.now(), resolve });
        pending.set(accountId, waiters);
        run();
      });
    },
    async close() {
      clearInterval(poll);
      await Promise.all([listener.end(), reader.end()]);
    },
  };
}

/**
 * VACUUM ANALYZE of what the openings wrote, as the other scenarios do after
 * seeding (and pgbench after its initialisation): the statistics a running
 * database has from autovacuum. Without them Postgres plans for the nearly
 * empty tables the apps started on, and keeps such plans cached. Not the
 * outbox: a queue, empty now and never for long — planned for "empty", its
 * reads would scan the whole heap later.
 */
async function settleTables(databaseUrl) {
  await withClient(databaseUrl, (client) =>
    client.query(
      'VACUUM ANALYZE events, account_balance, account_transactions, account_monthly_summary, personal_data_keys',
    ),
  );
}

/** Waits until the projector has projected `count` accounts (their openings). */
async function projectedAccounts(databaseUrl, count, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  await withClient(databaseUrl, async (client) => {
    for (;;) {
      const { rows } = await client.query('SELECT count(*)::int AS n FROM account_balance');
      if (rows[0].n >= count) return;
      if (Date.now() > deadline) {
        throw new Error(`only ${rows[0].n} of ${count} accounts projected after ${timeoutMs / 1000} s`);
      }
      await sleep(200);
    }
  });
}

/**
 * CPU used by each app, this driver and the whole machine between start()
 * and stop(), as a percentage of one core over that wall time.
 * @param {import('../lib/apps.mjs').RunningApp[]} apps
 */
function cpuMeter(apps) {
  const read = () => ({
    at: performance.now(),
    apps: apps.map((a) => a.cpuSeconds()),
    driver: process.cpuUsage(),
    machine: machineCpuSeconds(),
  });
  let from;
  return {
    start: () => (from = read()),
    stop: () => {
      const to = read();
      const wall = (to.at - from.at) / 1000;
      const percent = (a, b) =>
        a === undefined || b === undefined ? null : Math.round(((b - a) / wall) * 100);
      const driver = process.cpuUsage(from.driver);
      return {
        ...Object.fromEntries(apps.map((a, i) => [a.name, percent(from.apps[i], to.apps[i])])),
        driver: Math.round(((driver.user + driver.system) / 1e6 / wall) * 100),
        machine: percent(from.machine, to.machine),
      };
    },
  };
}

/**
 * Samples, every second, how far behind the relay (its oldest unpublished
 * outbox row) and the projector (the age of the newest event it applied, when
 * it applied it: commit → read model) are; stop() resolves with the maxima.
 * @param {import('../lib/apps.mjs').RunningApp} relay
 * @param {import('../lib/apps.mjs').RunningApp} projector
 */
function stageSampler(relay, projector) {
  const max = {
    relay_backlog: 0,
    relay_oldest_unpublished_ms: 0,
    projector_lag_ms: 0,
    projector_lag_events: 0,
  };
  const sample = async () => {
    const [backlog, oldest, lagSeconds, lagEvents] = await Promise.all([
      relay.metric('outbox_relay_backlog'),
      relay.metric('outbox_relay_oldest_unpublished_seconds'),
      projector.metric('projector_lag_seconds'),
      projector.metric('projector_lag_events'),
    ]);
    max.relay_backlog = Math.max(max.relay_backlog, backlog ?? 0);
    max.relay_oldest_unpublished_ms = Math.max(
      max.relay_oldest_unpublished_ms,
      Math.round((oldest ?? 0) * 1000),
    );
    max.projector_lag_ms = Math.max(max.projector_lag_ms, Math.round((lagSeconds ?? 0) * 1000));
    max.projector_lag_events = Math.max(max.projector_lag_events, lagEvents ?? 0);
  };
  let timer;
  let last = Promise.resolve();
  return {
    start() {
      timer = setInterval(() => {
        last = sample().catch(() => undefined);
      }, 1000);
    },
    async stop() {
      clearInterval(timer);
      await last;
      return max;
    },
  };
}

function round(ms) {
  return ms === null ? null : Math.round(ms * 100) / 100;
}
