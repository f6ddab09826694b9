#!/usr/bin/env node
// Local Apache Kafka (4.x, KRaft, single node) for development, CI and the test suite —
// no Docker, no tarball: the broker's jars come from Maven Central via infra/kafka/pom.xml
// and are cached under .local/ (gitignored), so every run after the first is offline.
//
//   node infra/kafka.mjs up|down|status|reset
//
//   import { ensureKafka, startKafka, stopKafka, kafkaStatus } from '../infra/kafka.mjs';
//
// Only Node built-ins plus kafkajs (loaded lazily, for the readiness probes).
// See infra/kafka/README.md.

import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const INFRA_DIR = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.dirname(INFRA_DIR);

const POM = path.join(INFRA_DIR, 'kafka', 'pom.xml');
const CONFIG_TEMPLATE = path.join(INFRA_DIR, 'kafka', 'server.properties');
const LOG4J_CONFIG = path.join(INFRA_DIR, 'kafka', 'log4j2.xml');

const LOCAL_DIR = path.join(REPO_ROOT, '.local');
const M2_REPO = path.join(LOCAL_DIR, 'm2');
const KAFKA_HOME = path.join(LOCAL_DIR, 'kafka');
const LIB_DIR = path.join(KAFKA_HOME, 'lib');
const LIB_MARKER = path.join(LIB_DIR, '.resolved.json');
const DATA_DIR = path.join(KAFKA_HOME, 'data');
const LOG_DIR = path.join(KAFKA_HOME, 'logs');
const SERVER_LOG = path.join(LOG_DIR, 'server.log');
const CONFIG_FILE = path.join(KAFKA_HOME, 'server.properties');
const PID_FILE = path.join(KAFKA_HOME, 'kafka.pid');
const LOCK_DIR = path.join(KAFKA_HOME, '.lock');

/** The broker this script manages (must match listeners in infra/kafka/server.properties). */
export const DEFAULT_BROKERS = '127.0.0.1:9092';

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const LOCK_TIMEOUT_MS = 10 * 60_000;
const MAX_LOG_BYTES = 20 * 1024 * 1024;

const JVM_OPTS = [
  // Sized for a 2-core / 24 GiB box; override with KAFKA_HEAP_OPTS="-Xms.. -Xmx..".
  ...(process.env.KAFKA_HEAP_OPTS?.trim().split(/\s+/) ?? ['-Xms256m', '-Xmx1g']),
  // Same GC flags as Kafka's bin/kafka-run-class.sh.
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-Djava.awt.headless=true',
  `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`,
];

const MISSING_TOOLS =
  'Running a local Kafka broker needs a JDK 17+ (`java`) and Maven 3.8+ (`mvn`) on the PATH: ' +
  'install them (Debian/Ubuntu: `apt-get install -y openjdk-17-jdk-headless maven`) ' +
  'or set KAFKA_BROKERS to a reachable Kafka broker instead.';

const defaultLog = (msg) => process.stderr.write(`[kafka] ${msg}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const rel = (p) => path.relative(REPO_ROOT, p) || '.';

// ───────────────────────────── probing ─────────────────────────────

function parseBrokers(brokers) {
  return brokers
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean)
    .map((b) => {
      const i = b.lastIndexOf(':');
      return { host: b.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(b.slice(i + 1)) };
    });
}

function tcpOpen(host, port, timeoutMs) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

let kafkajsPromise;
function loadKafkajs() {
  kafkajsPromise ??= import('kafkajs').then((m) => m.default ?? m);
  return kafkajsPromise;
}

/**
 * True when a Kafka cluster answers on `brokers` (comma-separated host:port list):
 * kafkajs admin connects, the cluster reports at least one live broker, and listTopics works.
 */
async function probe(brokers, timeoutMs = 3000) {
  const targets = parseBrokers(brokers);
  if (targets.length === 0) return false;
  // Cheap pre-check: when nothing listens at all, don't spin up kafkajs.
  const open = await Promise.all(targets.map((t) => tcpOpen(t.host, t.port, Math.min(timeoutMs, 1000))));
  if (!open.some(Boolean)) return false;

  const { Kafka, logLevel } = await loadKafkajs();
  const kafka = new Kafka({
    clientId: 'kafka-mjs-probe',
    brokers: targets.map((t) => `${t.host}:${t.port}`),
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.min(timeoutMs, 1000),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  let timer;
  try {
    const check = (async () => {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (!cluster.brokers?.length) return false;
      await admin.listTopics();
      return true;
    })();
    check.catch(() => {});
    const timeout = new Promise((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    return await Promise.race([check, timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    await admin.disconnect().catch(() => {});
  }
}

/**
 * On a freshly formatted broker the first consumer group triggers the creation of
 * __consumer_offsets, and kafkajs logs "group coordinator is not available" errors while it
 * retries. Looking up a group coordinator once here creates the topic up front; an idempotent
 * producer connect does the same for the producer-id block. Best effort, bounded to 30 s.
 */
async function warmUp(brokers) {
  const { Kafka, logLevel } = await loadKafkajs();
  const kafka = new Kafka({ clientId: 'kafka-mjs-warmup', brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  // Likewise the producer-id block for idempotent producers (InitProducerId answers
  // COORDINATOR_LOAD_IN_PROGRESS until the controller has handed one out).
  const producer = kafka.producer({ idempotent: true, retry: { retries: 20 } });
  let timer;
  try {
    const steps = (async () => {
      await admin.connect();
      await admin.describeGroups(['kafka-mjs-warmup']);
      await producer.connect();
    })();
    steps.catch(() => {});
    await Promise.race([
      steps,
      new Promise((resolve) => {
        timer = setTimeout(resolve, 30_000);
      }),
    ]);
  } catch {
    // not fatal: kafkajs clients retry on their own
  } finally {
    clearTimeout(timer);
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}

// ───────────────────────────── processes ─────────────────────────────

function readPidFile() {
  try {
    const pid = Number(fs.readFileSync(PID_FILE, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (err.code !== 'EPERM') return false;
  }
  try {
    // A zombie (exited, not yet reaped) still answers kill(pid, 0).
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return !fs.existsSync('/proc/self'); // no procfs: trust kill(pid, 0)
  }
}

/** Our broker's command line names kafka.Kafka and our generated config file. */
function isOurBroker(pid) {
  if (!isAlive(pid)) return false;
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.includes('kafka.Kafka') && cmdline.includes(CONFIG_FILE);
  } catch {
    return !fs.existsSync('/proc/self'); // no procfs: trust the pid file
  }
}

/** Pid of the broker this script started, if it is running (pid file, else a /proc scan). */
function findOurBroker() {
  const pid = readPidFile();
  if (pid && isOurBroker(pid)) return pid;
  if (pid) fs.rmSync(PID_FILE, { force: true }); // stale
  let entries;
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return undefined; // no procfs
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const candidate = Number(entry);
    if (candidate !== process.pid && isOurBroker(candidate)) {
      fs.writeFileSync(PID_FILE, `${candidate}\n`);
      return candidate;
    }
  }
  return undefined;
}

function logTail(lines = 40) {
  try {
    const { size } = fs.statSync(SERVER_LOG);
    const fd = fs.openSync(SERVER_LOG, 'r');
    try {
      const len = Math.min(size, 64 * 1024);
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, size - len);
      return buf.toString('utf8').split('\n').slice(-lines).join('\n').trim();
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '(no log output)';
  }
}

/** Runs a command to completion, capturing combined output. */
function run(cmd, args, { timeoutMs = 15 * 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk) => {
      output += chunk;
      if (output.length > 256 * 1024) output = output.slice(-128 * 1024);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err.code === 'ENOENT' ? new Error(MISSING_TOOLS) : err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), output: output.trim() });
    });
  });
}

function checkJava() {
  const res = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (res.error) throw new Error(MISSING_TOOLS);
  const m = /version "(\d+)(?:\.(\d+))?/.exec(`${res.stderr}${res.stdout}`);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : 0;
  if (major < 17) {
    throw new Error(
      `Kafka 4.x needs Java 17 or newer, but \`java\` is version ${m ? major : 'unknown'}. ${MISSING_TOOLS}`,
    );
  }
}

/** Cross-process mutex (a directory), so parallel callers don't download or start twice. */
async function withLock(fn) {
  fs.mkdirSync(KAFKA_HOME, { recursive: true });
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  const ownerFile = path.join(LOCK_DIR, 'owner');
  for (;;) {
    try {
      fs.mkdirSync(LOCK_DIR);
      fs.writeFileSync(ownerFile, `${process.pid}\n`);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let owner;
      try {
        owner = Number(fs.readFileSync(ownerFile, 'utf8').trim());
      } catch {
        // The owner may be between mkdir and writeFile; only a lock this old is stale.
        let age = 0;
        try {
          age = Date.now() - fs.statSync(LOCK_DIR).mtimeMs;
        } catch {
          // released meanwhile: retry at once
        }
        owner = age > 10_000 ? 0 : -1;
      }
      if (owner === 0 || (owner > 0 && !isAlive(owner))) {
        fs.rmSync(LOCK_DIR, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `Timed out waiting for ${rel(LOCK_DIR)} (held by pid ${owner}); remove it if that process is gone.`,
          { cause: err },
        );
      }
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

// ───────────────────────────── resolve / configure ─────────────────────────────

function pomHash() {
  return createHash('sha256').update(fs.readFileSync(POM)).digest('hex');
}

function readMarker() {
  try {
    return JSON.parse(fs.readFileSync(LIB_MARKER, 'utf8'));
  } catch {
    return undefined;
  }
}

function libComplete() {
  const marker = readMarker();
  return (
    marker?.pomSha256 === pomHash() &&
    Array.isArray(marker.jars) &&
    marker.jars.length > 0 &&
    marker.jars.every((jar) => fs.existsSync(path.join(LIB_DIR, jar)))
  );
}

function kafkaVersion() {
  const jar = readMarker()?.jars?.find((j) => /^kafka_2\.13-.*\.jar$/.test(j));
  return jar ? jar.replace(/^kafka_2\.13-|\.jar$/g, '') : 'unknown';
}

/** Makes .local/kafka/lib hold exactly the jars listed in infra/kafka/pom.xml; no-op (no Maven) when it does. */
async function resolveKafka({ log }) {
  if (libComplete()) return;
  if (spawnSync('mvn', ['-v'], { stdio: 'ignore' }).error) throw new Error(MISSING_TOOLS);
  log(`resolving the Kafka broker jars from Maven Central into ${rel(LIB_DIR)} (first run only, ~45 MB)…`);
  const started = Date.now();
  const tmp = `${LIB_DIR}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const { code, output } = await run('mvn', [
    '-B',
    '-q',
    '-f',
    POM,
    `-Dmaven.repo.local=${M2_REPO}`,
    'dependency:copy-dependencies',
    '-DincludeScope=runtime',
    `-DoutputDirectory=${tmp}`,
  ]);
  const jars = fs.existsSync(tmp)
    ? fs
        .readdirSync(tmp)
        .filter((f) => f.endsWith('.jar'))
        .sort()
    : [];
  if (code !== 0 || !jars.some((j) => j.startsWith('kafka_2.13-'))) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(`Resolving Kafka with Maven failed (exit code ${code}):\n${output.slice(-4000)}`);
  }
  fs.writeFileSync(
    path.join(tmp, '.resolved.json'),
    `${JSON.stringify({ pomSha256: pomHash(), jars, resolvedAt: new Date().toISOString() }, null, 2)}\n`,
  );
  fs.rmSync(LIB_DIR, { recursive: true, force: true });
  fs.renameSync(tmp, LIB_DIR);
  log(
    `resolved ${jars.length} jars (Kafka ${kafkaVersion()}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

function writeConfig() {
  const rendered = fs
    .readFileSync(CONFIG_TEMPLATE, 'utf8')
    .replaceAll('@@DATA_DIR@@', DATA_DIR.split(path.sep).join('/'));
  let current;
  try {
    current = fs.readFileSync(CONFIG_FILE, 'utf8');
  } catch {
    // not written yet
  }
  if (current !== rendered) fs.writeFileSync(CONFIG_FILE, rendered);
}

function javaCommand(mainClass, args, heap = []) {
  return [...JVM_OPTS, ...heap, '-cp', `${LIB_DIR}${path.sep}*`, mainClass, ...args];
}

function randomClusterId() {
  // Same shape as `kafka-storage random-uuid`: 16 random bytes, URL-safe base64, no leading '-'.
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Formats the KRaft storage unless already formatted; resolves to true if it formatted. */
async function formatStorage({ log }) {
  if (fs.existsSync(path.join(DATA_DIR, 'meta.properties'))) return false;
  const clusterId = randomClusterId();
  log(`formatting ${rel(DATA_DIR)} (KRaft, cluster id ${clusterId})…`);
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const startedAt = new Date().toISOString();
  const args = javaCommand(
    'kafka.tools.StorageTool',
    ['format', '--standalone', '--cluster-id', clusterId, '--config', CONFIG_FILE],
    ['-Xmx256m'],
  );
  const { code, output } = await run('java', args, { timeoutMs: 120_000 });
  fs.appendFileSync(SERVER_LOG, `\n=== kafka-storage format ${startedAt} ===\n${output}\n`);
  if (code !== 0) {
    fs.rmSync(DATA_DIR, { recursive: true, force: true });
    throw new Error(`Formatting the Kafka storage failed (exit code ${code}):\n${output.slice(-4000)}`);
  }
  return true;
}

function rotateLog() {
  try {
    if (fs.statSync(SERVER_LOG).size > MAX_LOG_BYTES) fs.renameSync(SERVER_LOG, `${SERVER_LOG}.1`);
  } catch {
    // no log yet
  }
}

function spawnBroker() {
  fs.appendFileSync(SERVER_LOG, `\n=== starting Kafka ${kafkaVersion()} ${new Date().toISOString()} ===\n`);
  const out = fs.openSync(SERVER_LOG, 'a');
  try {
    const child = spawn('java', javaCommand('kafka.Kafka', [CONFIG_FILE]), {
      cwd: REPO_ROOT,
      detached: true, // own process group: survives the caller, Ctrl-C of the caller, etc.
      stdio: ['ignore', out, out],
    });
    child.on('error', () => {}); // surfaced by waitReady (process gone)
    child.unref();
    if (!child.pid) throw new Error(MISSING_TOOLS);
    fs.writeFileSync(PID_FILE, `${child.pid}\n`);
    return child.pid;
  } finally {
    fs.closeSync(out);
  }
}

async function waitReady(pid, started) {
  const deadline = started + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      fs.rmSync(PID_FILE, { force: true });
      throw new Error(
        `Kafka (pid ${pid}) exited during startup. Last lines of ${rel(SERVER_LOG)}:\n${logTail()}`,
      );
    }
    if (await probe(DEFAULT_BROKERS, 2000)) return;
    await sleep(250);
  }
  throw new Error(
    `Kafka (pid ${pid}) did not answer on ${DEFAULT_BROKERS} within ${READY_TIMEOUT_MS / 1000} s. ` +
      `Last lines of ${rel(SERVER_LOG)}:\n${logTail()}`,
  );
}

// ───────────────────────────── public API ─────────────────────────────

/**
 * Starts the local broker (127.0.0.1:9092) unless it is already running, and waits until it answers.
 * Resolves the jars (first run: Maven Central, afterwards offline) and formats the storage if needed.
 * Ignores KAFKA_BROKERS. Returns the broker list string.
 */
export async function startKafka({ log = defaultLog } = {}) {
  const started = Date.now();
  return withLock(async () => {
    const running = findOurBroker();
    if (running) {
      await waitReady(running, started);
      return DEFAULT_BROKERS;
    }
    if (await probe(DEFAULT_BROKERS, 3000)) {
      log(`a Kafka broker not started by this script already answers on ${DEFAULT_BROKERS}; using it`);
      return DEFAULT_BROKERS;
    }
    checkJava();
    await resolveKafka({ log });
    fs.mkdirSync(LOG_DIR, { recursive: true });
    rotateLog();
    writeConfig();
    const fresh = await formatStorage({ log });
    const pid = spawnBroker();
    await waitReady(pid, started);
    if (fresh) await warmUp(DEFAULT_BROKERS);
    log(
      `Kafka ${kafkaVersion()} up on ${DEFAULT_BROKERS} (pid ${pid}, ${((Date.now() - started) / 1000).toFixed(1)} s; log: ${rel(SERVER_LOG)})`,
    );
    return DEFAULT_BROKERS;
  });
}

/**
 * Returns a broker list that answers: $KAFKA_BROKERS if set and reachable, else 127.0.0.1:9092,
 * starting the local broker there if nothing answers. Fast (<1 s) when a broker is already up.
 */
export async function ensureKafka({ log = defaultLog } = {}) {
  const fromEnv = process.env.KAFKA_BROKERS?.trim();
  if (fromEnv) {
    if (await probe(fromEnv, 5000)) return fromEnv;
    if (fromEnv !== DEFAULT_BROKERS) {
      log(`KAFKA_BROKERS=${fromEnv} does not answer; using a local broker on ${DEFAULT_BROKERS} instead`);
    }
  }
  if (await probe(DEFAULT_BROKERS, 3000)) return DEFAULT_BROKERS;
  return startKafka({ log });
}

/**
 * Stops the broker this script started (SIGTERM, up to 15 s for a clean shutdown, then SIGKILL).
 * Keeps the data directory, so startKafka() brings the same broker back. No error when not running.
 * Resolves to true if a broker was stopped.
 */
export async function stopKafka({ log = defaultLog } = {}) {
  const pid = findOurBroker();
  if (!pid) return false;
  const started = Date.now();
  const waitGone = async (ms) => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (!isAlive(pid)) return true;
      await sleep(100);
    }
    return !isAlive(pid);
  };
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
  if (!(await waitGone(STOP_TIMEOUT_MS))) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await waitGone(5000);
    log(`Kafka (pid ${pid}) ignored SIGTERM for ${STOP_TIMEOUT_MS / 1000} s; killed it`);
  }
  fs.rmSync(PID_FILE, { force: true });
  log(`stopped the local Kafka broker (pid ${pid}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return true;
}

/** `{ up, brokers, managed, pid? }` — `up`: $KAFKA_BROKERS (default 127.0.0.1:9092) answers; `managed`: our broker process runs. */
export async function kafkaStatus() {
  const brokers = process.env.KAFKA_BROKERS?.trim() || DEFAULT_BROKERS;
  const pid = findOurBroker();
  const up = await probe(brokers, 3000);
  return pid ? { up, brokers, managed: true, pid } : { up, brokers, managed: false };
}

/** Stops the local broker and deletes its data (topics, offsets); the jar cache is kept. */
export async function resetKafka({ log = defaultLog } = {}) {
  await stopKafka({ log });
  fs.rmSync(DATA_DIR, { recursive: true, force: true });
  fs.rmSync(CONFIG_FILE, { force: true });
}

// ───────────────────────────── CLI ─────────────────────────────

async function main(command) {
  const t0 = Date.now();
  const secs = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  switch (command) {
    case 'up': {
      const brokers = await ensureKafka();
      const status = await kafkaStatus();
      const who =
        status.managed && brokers === DEFAULT_BROKERS ? `local broker, pid ${status.pid}` : 'external';
      console.log(`Kafka up at ${brokers} (${who}, ${secs()})`);
      return 0;
    }
    case 'down': {
      const stopped = await stopKafka({ log: () => {} });
      console.log(
        stopped ? `Kafka stopped (${secs()})` : 'Kafka was not running (nothing started by this script)',
      );
      return 0;
    }
    case 'status': {
      const s = await kafkaStatus();
      const managed = s.managed ? `local broker running, pid ${s.pid}` : 'no local broker running';
      console.log(`Kafka ${s.up ? 'up' : 'down'} at ${s.brokers} (${managed})`);
      return 0;
    }
    case 'reset': {
      await resetKafka({ log: () => {} });
      console.log(`Kafka stopped and ${rel(DATA_DIR)} deleted (jar cache kept)`);
      return 0;
    }
    default:
      console.error('usage: node infra/kafka.mjs up|down|status|reset');
      return command ? 2 : 0;
  }
}

const invokedDirectly = (() => {
  try {
    return import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1] ?? '')).href;
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  main(process.argv[2]).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`kafka: ${err.message}`);
      process.exit(1);
    },
  );
}
