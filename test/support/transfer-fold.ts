import { foldDifferences } from './projector-cli.js';
// The transfer_status read model as a pure fold of the transfer streams in the
// event store, and as the projector wrote it: what the rebuild suites compare.
import type pg from 'pg';

export interface TransferModel {
  fromAccountId: string;
  toAccountId: string;
  amount: number;
  currency: string;
  status: string;
  reason: string | null;
  version: number;
  requestedAt: string;
  updatedAt: string;
}

/** What transfer_status must say about every transfer (or those given): a fold of its stored events. */
export async function foldTransferStreams(
  db: pg.Pool,
  transferIds?: string[],
): Promise<Map<string, TransferModel>> {
  const { rows } = await db.query<{
    stream_id: string;
    version: string;
    type: string;
    data: Record<string, unknown>;
    recorded_at: Date;
  }>(
    `SELECT stream_id, version, type, data, recorded_at FROM events
      WHERE stream_type = 'transfer' AND ($1::text[] IS NULL OR stream_id = ANY($1::text[]))
      ORDER BY stream_id, version`,
    [transferIds?.map((id) => `transfer-${id}`) ?? null],
  );
  const models = new Map<string, TransferModel>();
  for (const r of rows) {
    const id = r.stream_id.slice('transfer-'.length);
    const d = r.data;
    const at = r.recorded_at.toISOString();
    if (r.type === 'TransferRequested') {
      models.set(id, {
        fromAccountId: d.fromAccountId as string,
        toAccountId: d.toAccountId as string,
        amount: Number(d.amount),
        currency: d.currency as string,
        status: 'PENDING',
        reason: null,
        version: Number(r.version),
        requestedAt: at,
        updatedAt: at,
      });
      continue;
    }
    const m = models.get(id);
    if (!m) throw new Error(`${r.stream_id} starts with ${r.type}`);
    m.version = Number(r.version);
    m.updatedAt = at;
    if (r.type === 'TransferCompleted') m.status = 'COMPLETED';
    if (r.type === 'TransferRefunded') m.status = 'FAILED';
    if (r.type === 'TransferFailed') {
      m.reason = d.reason as string;
      // Failed after the debit: still PENDING until the refund.
      if (!d.sourceDebited) m.status = 'FAILED';
    }
  }
  return models;
}

/** Every transfer (or those given) as transfer_status has it. */
export async function readTransferStatus(
  db: pg.Pool,
  transferIds?: string[],
): Promise<Map<string, TransferModel>> {
  const { rows } = await db.query<{
    transfer_id: string;
    from_account_id: string;
    to_account_id: string;
    amount: string;
    currency: string;
    status: string;
    reason: string | null;
    version: string;
    requested_at: Date;
    updated_at: Date;
  }>(`SELECT * FROM transfer_status WHERE $1::uuid[] IS NULL OR transfer_id = ANY($1::uuid[])`, [
    transferIds ?? null,
  ]);
  return new Map(
    rows.map((r) => [
      r.transfer_id,
      {
        fromAccountId: r.from_account_id,
        toAccountId: r.to_account_id,
        amount: Number(r.amount),
        currency: r.currency,
        status: r.status,
        reason: r.reason,
        version: Number(r.version),
        requestedAt: r.requested_at.toISOString(),
        updatedAt: r.updated_at.toISOString(),
      },
    ]),
  );
}

/** How transfer_status differs from the fold of the transfer streams (see foldDifferences). */
export async function transferStatusDifferences(db: pg.Pool) {
  return foldDifferences(await foldTransferStreams(db), await readTransferStatus(db));
}
