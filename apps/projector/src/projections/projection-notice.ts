import { ACCOUNT_STREAM_TYPE, TRANSFER_STREAM_TYPE, accountIdFromStreamId } from '@cqrs-bank/banking';
import type pg from 'pg';
import type { WriteStatement } from './write-batch.js';

/**
 * The channel the projector NOTIFYs, inside the transaction that changed the
 * account read models, so a listener hears of a change only once it is visible.
 * The query-service LISTENs to it (read-your-writes waits, its balance cache).
 *
 * Payload: the ids of the accounts whose rows the transaction changed,
 * comma-separated, over as many notifications as needed; an EMPTY payload
 * means "any account may have changed" (a rebuild's swap, an erasure, more
 * accounts than a few notifications carry).
 */
export const PROJECTION_CHANNEL = 'account_projection_applied';

/** Postgres refuses a payload of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7900;
/** Past this many notifications one batch says "anything" instead. */
const MAX_NOTIFICATIONS = 8;

interface StreamRef {
  streamId: string;
  streamType: string;
}

/** The payloads announcing what `events` changed (see PROJECTION_CHANNEL). */
export function projectionNotices(events: readonly StreamRef[]): string[] {
  const accounts = new Set<string>();
  for (const e of events) {
    if (e.streamType === ACCOUNT_STREAM_TYPE) {
      const id = accountIdFromStreamId(e.streamId);
      if (id === undefined) return [''];
      accounts.add(id);
    } else if (e.streamType !== TRANSFER_STREAM_TYPE) {
      // A customer's erasure rewrites the names of all their accounts.
      return [''];
    }
  }
  if (accounts.size === 0) return [];
  const payloads: string[] = [];
  let current = '';
  for (const id of accounts) {
    if (current.length + id.length + 1 > MAX_PAYLOAD_BYTES) {
      payloads.push(current);
      current = '';
    }
    current = current ? `${current},${id}` : id;
  }
  payloads.push(current);
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
