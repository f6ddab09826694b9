/**
 * The tables the read models write. The live projector writes the live ones;
 * a rebuild writes shadow copies (`<live>__shadow`, created LIKE the live
 * table) and swaps them in (SPEC §10). One projection class serves both: its
 * SQL takes the table name, its prepared statements are named per table so a
 * connection can hold both kinds side by side.
 */
export interface AccountReadModelTables {
  /** `account_balance`: balance, status, lifetime deposits — and the version every model is guarded by. */
  readonly balance: string;
  /** `account_transactions`: the history with the balance after each movement. */
  readonly history: string;
  /** `account_monthly_summary`: deposits and withdrawals per account and UTC month. */
  readonly monthlySummary: string;
}

export const LIVE_TABLES: AccountReadModelTables = Object.freeze({
  balance: 'account_balance',
  history: 'account_transactions',
  monthlySummary: 'account_monthly_summary',
});

/** `transfer_status`: one row per transfer, guarded by the transfer stream's version. */
export const TRANSFER_STATUS_TABLE = 'transfer_status';

/** Where a rebuild writes a live table's successor until the swap. */
export function shadowTable(live: string): string {
  return `${live}__shadow`;
}

/** Where a swapped-out live table waits for its DROP (right after the swap commits). */
export function oldTable(live: string): string {
  return `${live}__old`;
}

/** The account read models' shadow tables. */
export const SHADOW_TABLES = mapTables(LIVE_TABLES, shadowTable);

/** The three tables in the one order every lock on them is taken in (balance first, as the projector). */
export function tablesOf(tables: AccountReadModelTables): string[] {
  return [tables.balance, tables.history, tables.monthlySummary];
}

/** A table name quoted for SQL text. Names are constants of this module; anything else is refused. */
export function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain table name: ${name}`);
  return `"${name}"`;
}

/** A prepared statement's name for one table: the same SQL against another table is another statement. */
export function statementName(base: string, table: string): string {
  return `${base}:${table}`;
}

function mapTables(tables: AccountReadModelTables, name: (live: string) => string): AccountReadModelTables {
  return Object.freeze({
    balance: name(tables.balance),
    history: name(tables.history),
    monthlySummary: name(tables.monthlySummary),
  });
}
