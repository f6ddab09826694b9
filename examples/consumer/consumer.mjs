// A minimal consumer of cqrs-bank's public topic, bank.account-events.v1, for other teams.
// It validates every message against the shipped JSON Schemas, deduplicates on ce_id and
// checks per-account order with accountVersion, logging one JSON line per decision.
//
//   node examples/consumer/consumer.mjs            (from the cqrs-bank repository root)
//
// Settings (environment): KAFKA_BROKERS (default 127.0.0.1:9092), KAFKA_GROUP_ID,
// KAFKA_TOPIC, FROM_BEGINNING, CONTRACT_SCHEMAS_DIR, DEDUPE_CAPACITY. See README.md.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Ajv } from 'ajv';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

const DEFAULT_SCHEMAS_DIR = fileURLToPath(new URL('../../libs/contracts/schemas/', import.meta.url));

// --- The contract -------------------------------------------------------------------------

// The two formats the schemas use (their `pattern`s say the same, for validators without formats).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/;

function isDateTime(value) {
  const m = DATE_TIME.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const t = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const sameInstant =
    t.getUTCFullYear() === year &&
    t.getUTCMonth() === month - 1 &&
    t.getUTCDate() === day &&
    t.getUTCHours() === hour &&
    t.getUTCMinutes() === minute &&
    t.getUTCSeconds() === second;
  return sameInstant && (m[7] === undefined || (Number(m[7]) < 24 && Number(m[8]) < 60));
}

/**
 * Loads schemas/catalog.json and the schemas it names. Returns `validate(headers, payload)`:
 * `{ ok: true, event, key }` or `{ ok: false, reason, errors? }`.
 */
export function loadContract(schemasDir = DEFAULT_SCHEMAS_DIR) {
  const read = (file) => JSON.parse(readFileSync(join(schemasDir, file), 'utf8'));
  const catalog = read('catalog.json');
  const ajv = new Ajv({ allErrors: true, strict: true });
  ajv.addFormat('uuid', UUID);
  ajv.addFormat('date-time', isDateTime);
  const validateHeaders = ajv.compile(read(catalog.headersSchema));
  const byCeType = new Map(
    catalog.events.map((event) => [event.ceType, { ...event, validate: ajv.compile(read(event.schema)) }]),
  );
  const errorsOf = (validate) => validate.errors?.map((e) => `${e.instancePath || '/'} ${e.message}`);

  return {
    topic: catalog.topic,
    validate(headers, payload) {
      if (!validateHeaders(headers)) {
        return { ok: false, reason: 'invalid-headers', errors: errorsOf(validateHeaders) };
      }
      const event = byCeType.get(headers.ce_type);
      // A well-formed but unknown ce_type is a newer event this consumer predates: skip it, say so.
      if (!event) return { ok: false, reason: 'unknown-type' };
      if (!event.validate(payload)) {
        return { ok: false, reason: 'invalid-payload', errors: errorsOf(event.validate) };
      }
      const key = payload[event.keyField];
      if (headers.ce_subject !== key) return { ok: false, reason: 'subject-mismatch' };
      return { ok: true, event, key };
    },
  };
}

// --- Consumer logic, independent of Kafka -------------------------------------------------

/** Remembers the last `capacity` ids. In production, use a store (see README). */
function recentIds(capacity) {
  const ids = new Set();
  return {
    has: (id) => ids.has(id),
    add(id) {
      ids.add(id);
      if (ids.size > capacity) ids.delete(ids.values().next().value);
    },
  };
}

/**
 * Handles one message ({ key, headers, value } with string key/headers and a string value)
 * and returns what happened: processed, duplicate, stale, or a contract violation.
 */
export function createHandler({ contract, log, dedupeCapacity = 100_000, apply = () => {} }) {
  const seen = recentIds(dedupeCapacity);
  const lastVersion = new Map(); // accountId -> last accountVersion applied

  return function handle({ key, headers, value, position }) {
    let payload;
    try {
      payload = JSON.parse(value ?? '');
    } catch {
      log('error', 'contract-violation', { ...position, reason: 'value-not-json' });
      return 'invalid';
    }
    const result = contract.validate(headers, payload);
    if (!result.ok) {
      const level = result.reason === 'unknown-type' ? 'warn' : 'error';
      log(level, 'contract-violation', {
        ...position,
        ceId: headers.ce_id,
        ceType: headers.ce_type,
        ...result,
      });
      return 'invalid';
    }
    if (key !== result.key) {
      log('error', 'contract-violation', { ...position, ceId: headers.ce_id, reason: 'key-mismatch', key });
      return 'invalid';
    }
    const ceId = headers.ce_id;
    const context = { ...position, ceId, event: result.event.name, accountId: result.key };

    // At-least-once delivery: a redelivered event has the same ce_id.
    if (seen.has(ceId)) {
      log('info', 'duplicate-skipped', context);
      return 'duplicate';
    }

    // Account events carry accountVersion (1, 2, 3… per account); transfer events do not.
    const version = payload.accountVersion;
    if (version !== undefined) {
      const last = lastVersion.get(result.key);
      if (last === undefined && version !== 1) {
        log('info', 'first-seen-mid-stream', { ...context, accountVersion: version });
      } else if (last !== undefined && version <= last) {
        log('warn', 'out-of-order-skipped', { ...context, accountVersion: version, lastVersion: last });
        return 'stale';
      } else if (last !== undefined && version > last + 1) {
        log('warn', 'gap-detected', {
          ...context,
          accountVersion: version,
          lastVersion: last,
          missing: [last + 1, version - 1],
        });
      }
    }

    apply(result.event.name, payload, headers);
    seen.add(ceId); // only once applied: a crash before this line means a redelivery, not a loss
    if (version !== undefined) lastVersion.set(result.key, version);
    log('info', 'processed', { ...context, payload });
    return 'processed';
  };
}

// --- Kafka wiring -------------------------------------------------------------------------

function decodeHeaders(raw = {}) {
  const headers = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    // A header repeated in one message is not CloudEvents: keep it as an array so validation fails.
    headers[name] = Array.isArray(value) ? value.map(String) : String(value);
    if (Array.isArray(headers[name]) && headers[name].length === 1) headers[name] = headers[name][0];
  }
  return headers;
}

function jsonLog(level, msg, fields = {}) {
  console.log(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }));
}

async function main() {
  const env = process.env;
  const contract = loadContract(env.CONTRACT_SCHEMAS_DIR ? resolve(env.CONTRACT_SCHEMAS_DIR) : undefined);
  const topic = env.KAFKA_TOPIC ?? contract.topic;
  const brokers = (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim());
  const groupId = env.KAFKA_GROUP_ID ?? 'example-account-events-consumer';
  const fromBeginning = env.FROM_BEGINNING !== 'false';
  const dedupeCapacity = Number(env.DEDUPE_CAPACITY ?? 100_000);
  if (!Number.isSafeInteger(dedupeCapacity) || dedupeCapacity < 1) {
    throw new Error(`DEDUPE_CAPACITY must be a positive integer, not ${env.DEDUPE_CAPACITY}`);
  }

  const kafka = new Kafka({ clientId: 'account-events-example', brokers, logLevel: logLevel.WARN });
  const consumer = kafka.consumer({ groupId });
  const handle = createHandler({ contract, log: jsonLog, dedupeCapacity });

  let stopping = false;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    jsonLog('info', 'stopping', { signal });
    await consumer.disconnect();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning });
  jsonLog('info', 'consuming', { brokers, topic, groupId, fromBeginning });
  await consumer.run({
    // Offsets are committed after eachMessage resolves: at least once, never at most once.
    eachMessage: async ({ topic: from, partition, message }) => {
      handle({
        key: message.key?.toString(),
        headers: decodeHeaders(message.headers),
        value: message.value?.toString(),
        position: { topic: from, partition, offset: message.offset },
      });
    },
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err) => {
    jsonLog('error', 'consumer-failed', { error: String(err?.stack ?? err) });
    process.exit(1);
  });
}
