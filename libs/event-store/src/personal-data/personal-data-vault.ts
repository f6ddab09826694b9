import type pg from 'pg';
import type { NewEvent } from '../event-store.types.js';
import {
  newDataKey,
  open,
  parseSealed,
  PersonalDataUnreadable,
  seal,
  unwrapKey,
  wrapKey,
} from './personal-data-cipher.js';

/** What a reader sees in place of personal data whose key was destroyed (SPEC §8). */
export const ERASED = '[erased]';

/** An event field holding personal data, and the field naming its owner (the key id). */
export interface PersonalDataField {
  type: string;
  field: string;
  ownerField: string;
}

/** The owner's personal data was erased: nothing new may be sealed under its destroyed key. */
export class PersonalDataErased extends Error {
  override readonly name = 'PersonalDataErased';
  constructor(readonly ownerId: string) {
    super('The personal data of this customer has been erased');
  }
}

/** A pool or a client inside a transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

interface KeyRow {
  owner_id: string;
  wrapped_key: Buffer | null;
  erased_at: Date | null;
}

type KeyState = { erased: false; dataKey: Buffer } | { erased: true };

/**
 * Crypto-shredding over the `personal_data_keys` table (SPEC §8): the only
 * code that reads or creates data keys. Writers seal the personal fields of
 * new events under their owner's data key (created on first use); readers open
 * them, and see "[erased]" once the key is gone. Keys are destroyed by the
 * event store's `append({ erasePersonalDataOf })`, in the transaction that
 * records the erasure event.
 *
 * Data keys are never cached: a key destroyed by one process is gone for all
 * at once. Neither keys nor personal data ever appear in an error message.
 */
export class PersonalDataVault {
  private readonly fieldsByType = new Map<string, PersonalDataField[]>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly masterKey: Buffer,
    fields: readonly PersonalDataField[],
  ) {
    for (const f of fields) this.fieldsByType.set(f.type, [...(this.fieldsByType.get(f.type) ?? []), f]);
  }

  /**
   * The events with their personal fields sealed, ready to append. Rejects with
   * PersonalDataErased when an owner's data was erased (a new name for an
   * erased customer would be unreadable from the start).
   */
  async sealEvents(events: NewEvent[]): Promise<NewEvent[]> {
    const sealed: NewEvent[] = [];
    for (const event of events) {
      const fields = this.fieldsByType.get(event.type);
      if (!fields) {
        sealed.push(event);
        continue;
      }
      const data = { ...event.data };
      for (const f of fields) {
        const value = data[f.field];
        if (typeof value !== 'string' || parseSealed(value)) continue;
        const ownerId = ownerOf(data, f);
        data[f.field] = seal(await this.dataKeyForWriting(ownerId), ownerId, value);
      }
      sealed.push({ ...event, data });
    }
    return sealed;
  }

  /**
   * Events as read from the store with their personal fields opened: the
   * plain value, or "[erased]" when the owner's key was destroyed (or the value
   * does not open). A plain-text value from before sealing (AccountOpened v2)
   * is passed through, and hidden as well once the owner was erased.
   *
   * `lock` takes a share lock on the owners' key rows in the caller's
   * transaction (`db`): an erasure then waits until that transaction commits,
   * so a read model cannot write a name after the erasure was applied.
   */
  async revealEvents<E extends { type: string; data: Record<string, unknown> }>(
    events: readonly E[],
    options: { db?: Queryable; lock?: boolean } = {},
  ): Promise<E[]> {
    const owners = new Set<string>();
    for (const e of events) {
      for (const f of this.fieldsByType.get(e.type) ?? []) {
        const owner = e.data[f.ownerField];
        if (typeof owner === 'string') owners.add(owner);
      }
    }
    if (owners.size === 0) return [...events];
    const keys = await this.keysOf([...owners], options);
    return events.map((e) => {
      const fields = this.fieldsByType.get(e.type);
      if (!fields) return e;
      const data = { ...e.data };
      for (const f of fields) {
        if (data[f.field] === undefined) continue;
        data[f.field] = reveal(data[f.field], keys.get(ownerOf(data, f)));
      }
      return { ...e, data };
    });
  }

  /** Whether the owner's personal data was erased. */
  async isErased(ownerId: string, db: Queryable = this.pool): Promise<boolean> {
    const { rows } = await db.query<{ erased: boolean }>(
      'SELECT erased_at IS NOT NULL AS erased FROM personal_data_keys WHERE owner_id = $1',
      [ownerId],
    );
    return rows[0]?.erased ?? false;
  }

  /** The owner's data key, created (and committed on its own) when it has none yet. */
  private async dataKeyForWriting(ownerId: string): Promise<Buffer> {
    let row = await this.keyRow(ownerId);
    if (!row) {
      // A key created for an append that then fails encrypts nothing: harmless.
      const { rows } = await this.pool.query<KeyRow>(
        `INSERT INTO personal_data_keys (owner_id, wrapped_key) VALUES ($1, $2)
         ON CONFLICT (owner_id) DO NOTHING
         RETURNING owner_id, wrapped_key, erased_at`,
        [ownerId, wrapKey(this.masterKey, ownerId, newDataKey())],
      );
      // Another writer created it first: read theirs (committed, so visible to this new statement).
      row = rows[0] ?? (await this.keyRow(ownerId));
    }
    if (!row?.wrapped_key || row.erased_at) throw new PersonalDataErased(ownerId);
    return unwrapKey(this.masterKey, ownerId, row.wrapped_key);
  }

  private async keyRow(ownerId: string): Promise<KeyRow | undefined> {
    const { rows } = await this.pool.query<KeyRow>(
      'SELECT owner_id, wrapped_key, erased_at FROM personal_data_keys WHERE owner_id = $1',
      [ownerId],
    );
    return rows[0];
  }

  private async keysOf(
    owners: string[],
    { db = this.pool, lock = false }: { db?: Queryable; lock?: boolean },
  ): Promise<Map<string, KeyState>> {
    const { rows } = await db.query<KeyRow>(
      `SELECT owner_id, wrapped_key, erased_at FROM personal_data_keys
        WHERE owner_id = ANY($1::text[]) ORDER BY owner_id${lock ? ' FOR SHARE' : ''}`,
      [owners.sort()],
    );
    const keys = new Map<string, KeyState>();
    for (const row of rows) {
      if (!row.wrapped_key || row.erased_at) {
        keys.set(row.owner_id, { erased: true });
        continue;
      }
      // A key that does not unwrap (another master key, a damaged row) is a
      // configuration fault, not an erasure: it throws rather than hide names.
      keys.set(row.owner_id, {
        erased: false,
        dataKey: unwrapKey(this.masterKey, row.owner_id, row.wrapped_key),
      });
    }
    return keys;
  }
}

/**
 * One field's readable value. `key` undefined: the owner never had a key row
 * (only plain-text values from before sealing can be in that state).
 */
function reveal(value: unknown, key: KeyState | undefined): unknown {
  if (key?.erased) return ERASED;
  if (!parseSealed(value)) return value;
  if (!key) return ERASED;
  try {
    return open(key.dataKey, value as string);
  } catch (err) {
    if (err instanceof PersonalDataUnreadable) return ERASED;
    throw err;
  }
}

function ownerOf(data: Record<string, unknown>, f: PersonalDataField): string {
  const owner = data[f.ownerField];
  if (typeof owner !== 'string' || owner.length === 0) {
    throw new Error(`${f.type}.${f.ownerField} must name the owner of ${f.field}`);
  }
  return owner;
}
