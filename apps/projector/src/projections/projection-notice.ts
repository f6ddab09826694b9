import type pg from 'pg';
import type { BalanceRowChange } from './balance/balance.projection.js';
import type { WriteStatement } from './write-batch.js';

/**
 * The channel the projector NOTIFYs, inside the transaction that changed the
 * account read models, so a listener hears of a change only once it is visible.
 * The query-service LISTENs to it (read-your-writes waits, its balance cache;
 * apps/query-service projection-notifications.ts reads these payloads).
 *
 * Payload: one entry per account whose row the transaction changed,
 * comma-separated, over as many notifications as needed. An entry is
 *
 *     <accountId>:<version>:<balance>:<status>:<updatedAt>
 *
 * — the row's version, balance (minor units), status (`OPEN`, `CLOSED`, or
 * empty when the batch left it as it was) and update time (milliseconds since
 * the epoch) as the transaction leaves them, so a reader holding the row can
 * bring it up to date without reading it again. An entry of the account id
 * alone says only that the row changed. An EMPTY payload means "any account
 * may have changed" (a rebuild's swap, an erasure, more accounts than a few
 * notifications carry).
 *
 * A query-service reads both kinds of entry; deploy it before a projector
 * that sends this format (one that reads ids only would take an entry for an
 * unknown account, see docs/runbook.md).
 */
export const PROJECTION_CHANNEL = 'account_projection_applied';

/** Postgres refuses a payload of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7900;
/** Past this many notifications one batch says "anything" instead. */
const MAX_NOTIFICATIONS = 8;

/** The payloads announcing the rows a batch changed (see PROJECTION_CHANNEL). */
export function projectionNotices(changed: readonly BalanceRowChange[] | 'any'): string[] {
  if (changed === 'any') return [''];
  const payloads: string[] = [];
  let current = '';
  for (const row of changed) {
    const entry = [row.accountId, row.version, row.balance, row.status ?? '', row.updatedAt.getTime()].join(
      ':',
    );
    if (current.length + entry.length + 1 > MAX_PAYLOAD_BYTES) {
      payloads.push(current);
      current = '';
    }
    current = current ? `${current},${entry}` : entry;
  }
  if (current) payloads.push(current);
  return payloads.length > MAX_NOTIFICATIONS ? [''] : payloads;
}

/** The statement sending `payloads` on PROJECTION_CHANNEL (delivered when its transaction commits). */
export function projectionNotifyStatement(payloads: readonly string[]): WriteStatement {
  return {
    name: 'rm_projection_notify',
    text: 'SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p',
    values: [PROJECTION_CHANNEL, payloads],
  };
}

/** Sends `payloads` on PROJECTION_CHANNEL in the client's open transaction. */
export async function notifyProjection(client: pg.ClientBase, payloads: readonly string[]): Promise<void> {
  if (payloads.length === 0) return;
  await client.query(projectionNotifyStatement(payloads));
}
