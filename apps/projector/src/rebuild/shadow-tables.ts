import type pg from 'pg';
import { ident, oldTable, shadowTable } from '../projections/read-model-tables.js';
import type { ReadModelGroup } from './rebuild-targets.js';

interface IndexInfo {
  name: string;
  /** What the index is, without its own or its table's name: unique/primary flags and `USING …`. */
  shape: string;
  primary: boolean;
  unique: boolean;
  /** `USING btree (…) …`: the definition after the table name. */
  using: string;
  /** The constraint the index backs (PRIMARY KEY (…), UNIQUE (…)), if any. */
  constraint: string | null;
}

/**
 * The DDL of a rebuild: shadow tables created LIKE the live ones (columns,
 * defaults, check constraints; their indexes and the constraints behind them
 * rebuilt from the live ones), and the swap that renames them into place.
 * The swap keeps the live names for the indexes and the constraints behind
 * them too, so the next rebuild starts from the same names again.
 */
export class ShadowTables {
  private readonly live: readonly string[];
  private readonly shadow: string[];
  private readonly old: string[];

  constructor(private readonly group: ReadModelGroup) {
    this.live = group.tables;
    this.shadow = group.tables.map(shadowTable);
    this.old = group.tables.map(oldTable);
  }

  /**
   * Empty shadow tables shaped like the live ones and owned by their owner
   * (any earlier shadow is dropped first), with only the primary keys the replay itself needs; the
   * other indexes come with buildIndexes().
   */
  async create(db: pg.ClientBase): Promise<void> {
    await this.drop(db);
    for (const [i, live] of this.live.entries()) {
      await db.query(
        `CREATE TABLE ${ident(this.shadow[i])} (LIKE ${ident(live)} INCLUDING ALL EXCLUDING INDEXES)`,
      );
      await copyOwner(db, live, this.shadow[i]);
      if (this.group.keyedDuringReplay.includes(live)) {
        await this.ensureIndexes(db, live, this.shadow[i], (index) => index.primary);
      }
    }
  }

  /**
   * Every index of the live tables, on the shadow tables (those they have
   * already are kept: a resumed rebuild may have built them). Building an
   * index over a full table is several times cheaper than maintaining it
   * row by row during the replay.
   */
  async buildIndexes(db: pg.ClientBase): Promise<void> {
    for (const [i, live] of this.live.entries())
      await this.ensureIndexes(db, live, this.shadow[i], () => true);
  }

  private async ensureIndexes(
    db: pg.ClientBase,
    live: string,
    shadow: string,
    wanted: (index: IndexInfo) => boolean,
  ): Promise<void> {
    const have = await indexesOf(db, shadow);
    for (const index of (await indexesOf(db, live)).filter(wanted)) {
      const found = have.findIndex((h) => h.shape === index.shape);
      if (found >= 0) {
        have.splice(found, 1);
        continue;
      }
      const name = ident(suffixed(index.name, '__shadow'));
      await db.query(
        index.constraint
          ? `ALTER TABLE ${ident(shadow)} ADD CONSTRAINT ${name} ${index.constraint}`
          : `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${name} ON ${ident(shadow)} ${index.using}`,
      );
    }
  }

  async exist(db: pg.ClientBase): Promise<boolean> {
    const { rows } = await db.query<{ n: number }>(
      'SELECT count(to_regclass(t))::int AS n FROM unnest($1::text[]) AS t',
      [this.shadow],
    );
    return rows[0].n === this.shadow.length;
  }

  async drop(db: pg.ClientBase): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS ${this.shadow.map(ident).join(', ')}`);
  }

  /** Drops the tables a swap put aside (left behind only when a process died right after its swap). */
  async dropOld(db: pg.ClientBase): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS ${this.old.map(ident).join(', ')}`);
  }

  /** Fresh planner statistics, so the first queries after the swap plan as well as before it. */
  async analyze(db: pg.ClientBase): Promise<void> {
    await db.query(`ANALYZE ${this.shadow.map(ident).join(', ')}`);
  }

  /** Takes the live tables for the swap: blocks the projector and queries on them until COMMIT. */
  async lockLive(db: pg.ClientBase): Promise<void> {
    await db.query(`LOCK TABLE ${this.live.map(ident).join(', ')} IN ACCESS EXCLUSIVE MODE`);
  }

  /**
   * Inside the swap transaction, with the live tables locked: live → `__old`,
   * shadow → live, indexes (and the constraints behind them) renamed along,
   * the live tables' owner and grants copied. Refuses when a live table changed shape
   * since the shadow was created (a migration ran during the rebuild).
   */
  async swap(db: pg.ClientBase): Promise<void> {
    for (const [i, live] of this.live.entries()) {
      const shadow = this.shadow[i];
      const old = this.old[i];
      if ((await columnsOf(db, live)) !== (await columnsOf(db, shadow))) {
        throw new Error(`${live} changed shape during the rebuild: run it again with --restart`);
      }
      const liveIndexes = await indexesOf(db, live);
      const shadowIndexes = await indexesOf(db, shadow);
      const renames: [string, string][] = [];
      for (const index of liveIndexes) {
        const match = shadowIndexes.findIndex((s) => s.shape === index.shape);
        if (match < 0)
          throw new Error(`${shadow} has no index like ${index.name}: run it again with --restart`);
        renames.push([shadowIndexes.splice(match, 1)[0].name, index.name]);
      }
      await copyOwner(db, live, shadow);
      await copyGrants(db, live, shadow);
      for (const index of liveIndexes) {
        await db.query(`ALTER INDEX ${ident(index.name)} RENAME TO ${ident(suffixed(index.name, '__old'))}`);
      }
      await db.query(`ALTER TABLE ${ident(live)} RENAME TO ${ident(old)}`);
      for (const [from, to] of renames) await db.query(`ALTER INDEX ${ident(from)} RENAME TO ${ident(to)}`);
      await db.query(`ALTER TABLE ${ident(shadow)} RENAME TO ${ident(live)}`);
    }
  }
}

async function columnsOf(db: pg.ClientBase, table: string): Promise<string> {
  const { rows } = await db.query<{ columns: string }>(
    `SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod) || CASE WHEN attnotnull THEN ' not null' ELSE '' END,
                       ', ' ORDER BY attnum) AS columns
       FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`,
    [table],
  );
  return rows[0].columns;
}

async function indexesOf(db: pg.ClientBase, table: string): Promise<IndexInfo[]> {
  const { rows } = await db.query<Omit<IndexInfo, 'shape'>>(
    `SELECT c.relname AS name, i.indisprimary AS primary, i.indisunique AS unique,
            substring(pg_get_indexdef(i.indexrelid) FROM ' (USING .*)$') AS using,
            pg_get_constraintdef(k.oid) AS constraint
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x')
      WHERE i.indrelid = $1::regclass
      ORDER BY c.relname`,
    [table],
  );
  return rows.map((r) => ({
    ...r,
    shape: [r.primary ? 'primary' : '', r.unique ? 'unique' : '', r.using].join(' '),
  }));
}

/**
 * The live table's owner (the projector's role) for its shadow, when the
 * rebuild runs as another user (DB_ROLE=none): the projector must be able to
 * resume writing the shadow, and to rename its successor in the next rebuild.
 */
async function copyOwner(db: pg.ClientBase, from: string, to: string): Promise<void> {
  const { rows } = await db.query<{ owner: string; differs: boolean }>(
    `SELECT quote_ident(pg_get_userbyid(f.relowner)) AS owner, f.relowner <> t.relowner AS differs
       FROM pg_class f, pg_class t WHERE f.oid = $1::regclass AND t.oid = $2::regclass`,
    [from, to],
  );
  if (rows[0].differs) await db.query(`ALTER TABLE ${ident(to)} OWNER TO ${rows[0].owner}`);
}

/** Grants on the live table (a read-only role's SELECT, say) carried over to its successor. */
async function copyGrants(db: pg.ClientBase, from: string, to: string): Promise<void> {
  const { rows } = await db.query<{ grantee: string; privilege: string }>(
    `SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END AS grantee,
            a.privilege_type AS privilege
       FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
       LEFT JOIN pg_roles r ON r.oid = a.grantee
      WHERE c.oid = $1::regclass AND a.grantee <> c.relowner`,
    [from],
  );
  for (const g of rows) await db.query(`GRANT ${g.privilege} ON ${ident(to)} TO ${g.grantee}`);
}

/** `<index><suffix>`, kept within Postgres' 63-byte names. */
function suffixed(index: string, suffix: string): string {
  return index.slice(0, 63 - suffix.length) + suffix;
}
