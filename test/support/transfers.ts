import { TOPICS } from '@cqrs-bank/contracts';
import type pg from 'pg';
import { eventually } from './http.js';
import { consumerGroupAtEnd, createTopics } from './relay.js';
import { TEST_JWT_SECRET } from './tokens.js';

/**
 * The process manager's consumer group, positioned at the end of the internal
 * topic (see consumerGroupAtEnd): a saga started with
 * TRANSFER_SAGA_START_FROM=earliest works on this suite's transfers only —
 * including any requested before it joined its group, and any it was killed
 * in the middle of.
 */
export function sagaGroupAtEnd(groupId: string): Promise<void> {
  return consumerGroupAtEnd(groupId, TOPICS.ledgerInternal);
}

/**
 * Configures the in-process command-service as production runs it for
 * transfers — relay and process manager embedded — and readies Kafka for it:
 * the topics (12 partitions, as the relay creates them) and the process
 * manager's group at the topic's end. Call before starting the app.
 */
export async function embeddedTransfersSetup(topics: string[] = Object.values(TOPICS)): Promise<void> {
  process.env.JWT_SECRET = TEST_JWT_SECRET;
  process.env.OUTBOX_RELAY = 'embedded';
  process.env.TRANSFER_SAGA = 'embedded';
  process.env.TRANSFER_SAGA_START_FROM = 'earliest';
  // Another suite (or replica) may have created them already.
  await createTopics(topics, 12).catch(() => undefined);
  await sagaGroupAtEnd(process.env.TRANSFER_SAGA_GROUP_ID!);
}

export interface TransferRecord {
  /** Event types of the transfer stream, in order. */
  events: string[];
  finished: boolean;
  outcome: 'PENDING' | 'COMPLETED' | 'FAILED';
  reason?: string;
}

/** The transfer as its stream tells it (independent of the projector). */
export async function transferFromStore(db: pg.Pool, transferId: string): Promise<TransferRecord> {
  const { rows } = await db.query<{ type: string; data: { reason?: string; sourceDebited?: boolean } }>(
    'SELECT type, data FROM events WHERE stream_id = $1 ORDER BY version',
    [`transfer-${transferId}`],
  );
  const events = rows.map((r) => r.type);
  const failed = rows.find((r) => r.type === 'TransferFailed');
  const completed = events.includes('TransferCompleted');
  const finished =
    completed || events.includes('TransferRefunded') || (!!failed && !failed.data.sourceDebited);
  return {
    events,
    finished,
    outcome: completed ? 'COMPLETED' : finished ? 'FAILED' : 'PENDING',
    ...(failed ? { reason: failed.data.reason } : {}),
  };
}

/** Waits until every transfer is over; returns their records. */
export async function settled(
  db: pg.Pool,
  transferIds: string[],
  timeoutMs = 60_000,
): Promise<TransferRecord[]> {
  await eventually(async () => {
    for (const id of transferIds) if (!(await transferFromStore(db, id)).finished) return false;
    return true;
  }, timeoutMs);
  return Promise.all(transferIds.map((id) => transferFromStore(db, id)));
}

/** The money movements of these transfers in the account streams, by transfer id. */
export async function movementsOf(
  db: pg.Pool,
  transferIds: string[],
): Promise<Map<string, { accountId: string; type: string; amount: number }[]>> {
  const { rows } = await db.query<{ transfer_id: string; stream_id: string; type: string; amount: string }>(
    `SELECT data->>'transferId' AS transfer_id, stream_id, type, data->>'amount' AS amount FROM events
      WHERE stream_type = 'account' AND data->>'transferId' = ANY($1::text[]) ORDER BY global_position`,
    [transferIds],
  );
  const byTransfer = new Map(
    transferIds.map((id) => [id, [] as { accountId: string; type: string; amount: number }[]]),
  );
  for (const r of rows) {
    byTransfer.get(r.transfer_id)!.push({
      accountId: r.stream_id.replace(/^account-/, ''),
      type: r.type,
      amount: Number(r.amount),
    });
  }
  return byTransfer;
}

/** An account's balance as a fold of its stored events. */
export async function storedBalance(db: pg.Pool, accountId: string): Promise<number> {
  const { rows } = await db.query<{ balance: string }>(
    `SELECT coalesce(sum(CASE type WHEN 'AccountOpened' THEN (data->>'initialDeposit')::bigint
                                   WHEN 'MoneyDeposited' THEN (data->>'amount')::bigint
                                   WHEN 'MoneyWithdrawn' THEN -(data->>'amount')::bigint
                                   ELSE 0 END), 0) AS balance
       FROM events WHERE stream_id = $1`,
    [`account-${accountId}`],
  );
  return Number(rows[0].balance);
}
