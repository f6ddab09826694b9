// Data the read-side and Kafka scenarios start from, written by SQL (fast) in
// exactly the shapes the apps write and read: account_balance rows as the
// projector keeps them, account streams as the command-service appends them,
// and their internal-topic messages as the event store puts them in the
// outbox (libs/event-store: internalMessage() and the outbox headers).
import { randomUUID } from 'node:crypto';
import { ACCOUNT_EVENT_SCHEMA_VERSIONS, ACCOUNT_STREAM_TYPE } from '../../dist/libs/banking/src/index.js';

/**
 * The id of seeded account n (1-based) in account_balance, as pgbench builds
 * it too (bench/pgbench/read.sql): a valid v4 UUID.
 */
export function seededAccountId(n) {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}
const SEEDED_ACCOUNT_ID_SQL = `('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid`;

/** Balance of every seeded account_balance row, in minor units. */
export const SEEDED_BALANCE = 1_000_000_000;

/**
 * `count` OPEN accounts in account_balance (ids seededAccountId(1..count)),
 * then VACUUM ANALYZE: a settled table, as read models are between writes.
 */
export async function seedBalances(client, count) {
  await client.query(
    `INSERT INTO account_balance (account_id, owner_id, owner_name, currency, status, balance, version,
                                  lifetime_deposits, opened_at, updated_at)
     SELECT ${SEEDED_ACCOUNT_ID_SQL}, 'bench-owner-' || n, 'Bench Owner', 'EUR', 'OPEN', $2, 1 + n % 50, $2,
            now() - interval '30 days', now()
       FROM generate_series(1, $1::int) AS n`,
    [count, SEEDED_BALANCE],
  );
  await client.query('VACUUM ANALYZE account_balance');
}

/** Opening deposit of every seeded account stream; each later event deposits 1. */
export const STREAM_OPENING_DEPOSIT = 1000;

/**
 * `accounts` account streams of `eventsPerAccount` events each, valid for
 * libs/banking: AccountOpened (schema v2, an opening deposit), then
 * MoneyDeposited of 1 with the right balanceAfter. Global positions
 * interleave the accounts (every account's version 1, then every version 2,
 * …), as real traffic on many accounts does. `limit` stops after that many
 * events in this order (the last accounts then have one event fewer);
 * `eventsPerTransaction` splits the writing into transactions of about that
 * many events (default: one). VACUUM ANALYZE afterwards.
 * @returns {Promise<number>} events written
 */
export async function seedAccountStreams(
  client,
  { accounts, eventsPerAccount, limit = accounts * eventsPerAccount, eventsPerTransaction = Infinity },
) {
  const ids = Array.from({ length: accounts }, () => randomUUID());
  const versionsPerTransaction = Math.max(1, Math.floor(eventsPerTransaction / accounts));
  let written = 0;
  for (let from = 1; from <= eventsPerAccount; from += versionsPerTransaction) {
    const to = Math.min(eventsPerAccount, from + versionsPerTransaction - 1);
    const { rowCount } = await client.query(
      `WITH accounts AS MATERIALIZED (
         SELECT n::int AS n, id FROM unnest($1::text[]) WITH ORDINALITY AS a(id, n)
       )
       INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
       SELECT gen_random_uuid(), $4 || '-' || a.id, $4, v,
              CASE WHEN v = 1 THEN 'AccountOpened' ELSE 'MoneyDeposited' END,
              CASE WHEN v = 1 THEN $5::int ELSE $6::int END,
              CASE WHEN v = 1
                   THEN jsonb_build_object('accountId', a.id, 'ownerId', 'bench-owner-' || a.n,
                                           'ownerName', 'Bench Owner', 'currency', 'EUR', 'initialDeposit', $7::bigint)
                   ELSE jsonb_build_object('accountId', a.id, 'amount', 1, 'balanceAfter', $7::bigint + v - 1) END,
              jsonb_build_object('correlationId', gen_random_uuid(), 'causationId', gen_random_uuid(),
                                 'actor', 'bench-teller')
         FROM generate_series($2::int, $3::int) AS v CROSS JOIN accounts a
        WHERE (v - 1)::bigint * $9 + a.n <= $8::bigint
        ORDER BY v, a.n`,
      [
        ids,
        from,
        to,
        ACCOUNT_STREAM_TYPE,
        ACCOUNT_EVENT_SCHEMA_VERSIONS.AccountOpened,
        ACCOUNT_EVENT_SCHEMA_VERSIONS.MoneyDeposited,
        STREAM_OPENING_DEPOSIT,
        limit,
        accounts,
      ],
    );
    written += rowCount;
  }
  await client.query('VACUUM ANALYZE events');
  return written;
}

/**
 * The internal-topic message of event row `e`, as jsonb: internalMessage() of
 * libs/event-store/src/postgres-event-store.ts (the event in full, position
 * as a string, recordedAt as JavaScript's toISOString() writes it).
 */
const INTERNAL_MESSAGE_SQL = `jsonb_build_object(
    'eventId', e.event_id, 'streamId', e.stream_id, 'streamType', e.stream_type, 'version', e.version,
    'globalPosition', e.global_position::text, 'type', e.type, 'schemaVersion', e.schema_version,
    'data', e.data, 'metadata', e.metadata,
    'recordedAt', to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`;

/** Its headers, as the event store writes them into the outbox. */
const INTERNAL_HEADERS_SQL = `jsonb_build_object(
    'content-type', 'application/json', 'event-id', e.event_id, 'event-type', e.type,
    'correlation-id', e.metadata->>'correlationId')`;

/**
 * Puts the internal messages of the first `limit` stored events (in global
 * order) into the outbox, all addressed to `topic`, in ONE statement (one
 * transaction, one NOTIFY to the relay): what the event store's appends
 * leave there, minus the public-topic messages.
 * @returns {Promise<number>} rows written
 */
export async function copyEventsToOutbox(client, topic, limit) {
  const { rowCount } = await client.query(
    `INSERT INTO outbox (topic, message_key, event_id, headers, payload)
     SELECT $1, e.stream_id, e.event_id, ${INTERNAL_HEADERS_SQL}, ${INTERNAL_MESSAGE_SQL}
       FROM events e
      ORDER BY e.global_position
      LIMIT $2`,
    [topic, limit],
  );
  return rowCount;
}

/**
 * The internal messages of the stored events, in global order, as the relay
 * sends them (OutboxStore.fetch: the payload's jsonb text, the headers, the
 * stream id as key), ready for kafkajs.
 * @returns {Promise<{ key: string, value: string, headers: Record<string, string> }[]>}
 */
export async function readInternalMessages(client) {
  const { rows } = await client.query(
    `SELECT e.stream_id AS key, ${INTERNAL_MESSAGE_SQL}::text AS value, ${INTERNAL_HEADERS_SQL} AS headers
       FROM events e
      ORDER BY e.global_position`,
  );
  return rows;
}
