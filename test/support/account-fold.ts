import { foldDifferences } from './projector-cli.js';
// The account read models as a pure fold of the event store, and as the
// projector wrote them: what the projector and rebuild suites compare.
import { ACCOUNT_UPCASTERS } from '@cqrs-bank/banking';
import { UpcasterRegistry } from '@cqrs-bank/event-store';
import type pg from 'pg';

export interface AccountModel {
  balance: number;
  version: number;
  status: string;
  deposits: number;
  history: { version: number; kind: string; amount: number; balanceAfter: number }[];
  months: Record<string, { dt: number; dc: number; wt: number; wc: number }>;
}

const upcasters = new UpcasterRegistry();
for (const u of ACCOUNT_UPCASTERS) upcasters.register(u.type, u.fromVersion, u.upcast);

/** What the read models must say about every account: a pure fold of the stored events (upcast). */
export async function foldEventStore(db: pg.Pool, accountIds?: string[]): Promise<Map<string, AccountModel>> {
  const { rows } = await db.query<{
    stream_id: string;
    version: string;
    type: string;
    schema_version: number;
    data: Record<string, unknown>;
    recorded_at: Date;
  }>(
    `SELECT stream_id, version, type, schema_version, data, recorded_at FROM events
      WHERE stream_type = 'account' AND ($1::text[] IS NULL OR stream_id = ANY($1::text[]))
      ORDER BY stream_id, version`,
    [accountIds?.map((id) => `account-${id}`) ?? null],
  );
  const models = new Map<string, AccountModel>();
  for (const r of rows) {
    const id = r.stream_id.slice('account-'.length);
    let m = models.get(id);
    if (!m) {
      m = { balance: 0, version: 0, status: 'OPEN', deposits: 0, history: [], months: {} };
      models.set(id, m);
    }
    const d = upcasters.upcast(r.type, r.schema_version, r.data, r.stream_id).data as Record<string, number>;
    const month = r.recorded_at.toISOString().slice(0, 7);
    const totals = (m.months[month] ??= { dt: 0, dc: 0, wt: 0, wc: 0 });
    m.version = Number(r.version);
    if (r.type === 'AccountOpened' && d.initialDeposit > 0) {
      m.balance = d.initialDeposit;
      m.deposits += d.initialDeposit;
      m.history.push({
        version: m.version,
        kind: 'DEPOSIT',
        amount: d.initialDeposit,
        balanceAfter: m.balance,
      });
      totals.dt += d.initialDeposit;
      totals.dc += 1;
    } else if (r.type === 'MoneyDeposited') {
      m.balance += d.amount;
      m.deposits += d.amount;
      m.history.push({ version: m.version, kind: 'DEPOSIT', amount: d.amount, balanceAfter: m.balance });
      totals.dt += d.amount;
      totals.dc += 1;
    } else if (r.type === 'MoneyWithdrawn') {
      m.balance -= d.amount;
      m.history.push({ version: m.version, kind: 'WITHDRAWAL', amount: d.amount, balanceAfter: m.balance });
      totals.wt += d.amount;
      totals.wc += 1;
    } else if (r.type === 'AccountClosed') {
      m.status = 'CLOSED';
    }
    if (totals.dc + totals.wc === 0) delete m.months[month];
  }
  return models;
}

/** Every account (or those given) as the three read models have it. */
export async function readAccountModels(
  db: pg.Pool,
  accountIds?: string[],
): Promise<Map<string, AccountModel>> {
  const only = [accountIds ?? null];
  const which = '($1::uuid[] IS NULL OR account_id = ANY($1::uuid[]))';
  const models = new Map<string, AccountModel>();
  const balances = await db.query<{
    account_id: string;
    balance: string;
    version: string;
    status: string;
    lifetime_deposits: string;
  }>(
    `SELECT account_id, balance, version, status, lifetime_deposits FROM account_balance WHERE ${which}`,
    only,
  );
  for (const b of balances.rows) {
    models.set(b.account_id, {
      balance: Number(b.balance),
      version: Number(b.version),
      status: b.status,
      deposits: Number(b.lifetime_deposits),
      history: [],
      months: {},
    });
  }
  const orphan = (): AccountModel => ({
    balance: NaN,
    version: NaN,
    status: 'NO account_balance ROW',
    deposits: NaN,
    history: [],
    months: {},
  });
  const history = await db.query<{
    account_id: string;
    version: string;
    kind: string;
    amount: string;
    balance_after: string;
  }>(
    `SELECT account_id, version, kind, amount, balance_after FROM account_transactions WHERE ${which}
      ORDER BY account_id, version`,
    only,
  );
  for (const h of history.rows) {
    if (!models.has(h.account_id)) models.set(h.account_id, orphan());
    models.get(h.account_id)!.history.push({
      version: Number(h.version),
      kind: h.kind,
      amount: Number(h.amount),
      balanceAfter: Number(h.balance_after),
    });
  }
  const months = await db.query<{
    account_id: string;
    month: string;
    dt: string;
    dc: number;
    wt: string;
    wc: number;
  }>(
    `SELECT account_id, to_char(month, 'YYYY-MM') AS month, deposits_total AS dt, deposits_count AS dc,
            withdrawals_total AS wt, withdrawals_count AS wc
       FROM account_monthly_summary WHERE ${which}`,
    only,
  );
  for (const s of months.rows) {
    if (!models.has(s.account_id)) models.set(s.account_id, orphan());
    models.get(s.account_id)!.months[s.month] = { dt: Number(s.dt), dc: s.dc, wt: Number(s.wt), wc: s.wc };
  }
  return models;
}

/** How the account read models differ from the fold of the event store (see foldDifferences). */
export async function accountModelDifferences(db: pg.Pool) {
  return foldDifferences(await foldEventStore(db), await readAccountModels(db));
}
