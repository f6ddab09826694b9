// SPEC §5: each app's sessions run as its own group role, and Postgres itself
// refuses what that role was not granted — above all any change to an event.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { DATABASE_ROLES, migrations } from '@cqrs-bank/event-store';
import { loadConfig, sessionOptions } from '@cqrs-bank/platform';
import pg from 'pg';
import type { QueryRunner } from 'typeorm';
import { CommandServiceConfig } from '../../apps/command-service/src/command-service.config.js';
import { OutboxRelayConfig } from '../../apps/outbox-relay/src/outbox-relay.config.js';
import { ProjectorConfig } from '../../apps/projector/src/projector.config.js';
import { QueryServiceConfig } from '../../apps/query-service/src/query-service.config.js';
import { testConfig, testPool } from '../support/database.js';

const { command, relay, projector, query } = DATABASE_ROLES;
const READ_MODELS = ['account_balance', 'account_transactions', 'account_monthly_summary', 'transfer_status'];

describe('database roles (SPEC §5)', () => {
  let owner: pg.Pool;
  let eventPosition: string;
  const streamId = `roles-${randomUUID()}`;
  const accountId = randomUUID();

  beforeAll(async () => {
    owner = testPool(4);
    const { rows } = await owner.query<{ global_position: string }>(
      `INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
       VALUES ($1, $2, 'test', 1, 'Thing', 1, '{}', '{}') RETURNING global_position`,
      [randomUUID(), streamId],
    );
    eventPosition = rows[0].global_position;
    await owner.query(
      `INSERT INTO account_balance (account_id, owner_id, currency, status, balance, version, opened_at, updated_at)
       VALUES ($1, 'roles-owner', 'EUR', 'OPEN', 0, 1, now(), now())`,
      [accountId],
    );
    await owner.query(
      `INSERT INTO outbox (topic, message_key, event_id, headers, payload) VALUES ('roles', 'k', $1, '{}', '{}')`,
      [randomUUID()],
    );
    await owner.query(
      `INSERT INTO personal_data_keys (owner_id, wrapped_key) VALUES ('roles-owner', '\\x00') ON CONFLICT DO NOTHING`,
    );
  });
  afterAll(async () => {
    await owner.end();
  });

  /**
   * Runs `sql` in a session started the way the apps start theirs (`-c role=…`),
   * inside a transaction that is rolled back; resolves with the refusal, if any.
   */
  async function run(
    role: string,
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<{ code: string; message: string }> {
    const client = new pg.Client({
      connectionString: testConfig().DATABASE_URL,
      options: sessionOptions({ DB_ROLE: role }),
    });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query(sql, [...params]);
      return { code: 'ok', message: '' };
    } catch (err) {
      const { code, message } = err as { code?: string; message: string };
      return { code: code ?? 'none', message };
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end();
    }
  }

  /** The SQLSTATE of the refusal, or 'ok'. */
  async function as(role: string, sql: string, params: readonly unknown[] = []): Promise<string> {
    return (await run(role, sql, params)).code;
  }

  const refused = '42501'; // insufficient_privilege

  const insertEvent = () =>
    [
      `INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
     VALUES ($1, $2, 'test', 2, 'Thing', 1, '{}', '{}')`,
      [randomUUID(), streamId],
    ] as const;

  it('gives every app its own group role by default, and none when DB_ROLE=none', () => {
    expect(loadConfig(CommandServiceConfig, {}).DB_ROLE).toBe(command);
    expect(loadConfig(OutboxRelayConfig, {}).DB_ROLE).toBe(relay);
    expect(loadConfig(ProjectorConfig, {}).DB_ROLE).toBe(projector);
    expect(loadConfig(QueryServiceConfig, {}).DB_ROLE).toBe(query);
    expect(sessionOptions(loadConfig(ProjectorConfig, { DB_ROLE: 'none' }), '-c jit=off')).toBe('-c jit=off');
  });

  it('runs a session started with an app role as that role', async () => {
    const client = new pg.Client({
      connectionString: testConfig().DATABASE_URL,
      options: sessionOptions({ DB_ROLE: command }),
    });
    await client.connect();
    try {
      const { rows } = await client.query<{ user: string }>('SELECT current_user AS user');
      expect(rows[0].user).toBe(command);
    } finally {
      await client.end();
    }
  });

  describe('the command role', () => {
    it('appends events', async () => {
      expect(await as(command, ...insertEvent())).toBe('ok');
    });

    it('may not update, delete or truncate an event: Postgres refuses it for lack of privilege', async () => {
      for (const sql of [
        'UPDATE events SET data = \'{"forged": true}\' WHERE global_position = $1',
        'DELETE FROM events WHERE global_position = $1',
      ]) {
        expect(await run(command, sql, [eventPosition])).toEqual({
          code: refused,
          message: 'permission denied for table events',
        });
      }
      expect(await run(command, 'TRUNCATE events')).toEqual({
        code: refused,
        message: 'permission denied for table events',
      });
    });

    it('writes what an append writes, and no read model', async () => {
      expect(
        await as(
          command,
          `INSERT INTO snapshots (stream_id, version, schema_version, state) VALUES ($1, 1, 1, '{}')`,
          [streamId],
        ),
      ).toBe('ok');
      expect(
        await as(
          command,
          `INSERT INTO outbox (topic, message_key, event_id, headers, payload) VALUES ('t', 'k', $1, '{}', '{}')`,
          [randomUUID()],
        ),
      ).toBe('ok');
      expect(
        await as(command, "DELETE FROM idempotency_keys WHERE created_at < now() - interval '1 day'"),
      ).toBe('ok');
      expect(
        await as(
          command,
          "UPDATE personal_data_keys SET wrapped_key = NULL, erased_at = now() WHERE owner_id = 'roles-owner'",
        ),
      ).toBe('ok');
      expect(await as(command, "DELETE FROM personal_data_keys WHERE owner_id = 'roles-owner'")).toBe(
        refused,
      );
      expect(await as(command, "UPDATE personal_data_keys SET owner_id = 'someone-else'")).toBe(refused);
      expect(
        await as(command, 'UPDATE account_balance SET balance = 1 WHERE account_id = $1', [accountId]),
      ).toBe(refused);
      expect(await as(command, 'SELECT * FROM account_balance')).toBe(refused);
    });
  });

  describe('the query role', () => {
    it('reads the read models', async () => {
      for (const table of READ_MODELS) expect(await as(query, `SELECT * FROM ${table} LIMIT 1`)).toBe('ok');
    });

    it('may not write anything, nor read the event store', async () => {
      expect(
        await as(query, 'UPDATE account_balance SET balance = 1 WHERE account_id = $1', [accountId]),
      ).toBe(refused);
      expect(await as(query, 'DELETE FROM account_balance WHERE account_id = $1', [accountId])).toBe(refused);
      expect(
        await as(
          query,
          `INSERT INTO transfer_status (transfer_id, from_account_id, to_account_id, amount, currency, status, version, requested_at, updated_at)
                         VALUES ($1, $1, $1, 1, 'EUR', 'PENDING', 1, now(), now())`,
          [randomUUID()],
        ),
      ).toBe(refused);
      expect(await as(query, 'UPDATE projector_offsets SET next_offset = 0')).toBe(refused);
      expect(await as(query, ...insertEvent())).toBe(refused);
      expect(await as(query, 'SELECT * FROM events LIMIT 1')).toBe(refused);
      expect(await as(query, 'SELECT * FROM personal_data_keys LIMIT 1')).toBe(refused);
      expect(await as(query, 'CREATE TABLE roles_probe (id int)')).toBe(refused);
    });
  });

  describe('the projector role', () => {
    it('writes its read models and offsets, and reads events and keys', async () => {
      expect(
        await as(projector, 'UPDATE account_balance SET balance = 5 WHERE account_id = $1', [accountId]),
      ).toBe('ok');
      expect(
        await as(
          projector,
          `INSERT INTO projector_offsets (consumer_group, topic, partition, next_offset) VALUES ('roles', 't', 0, 1)`,
        ),
      ).toBe('ok');
      expect(await as(projector, 'SELECT * FROM events WHERE global_position = $1', [eventPosition])).toBe(
        'ok',
      );
      expect(
        await as(projector, "SELECT * FROM personal_data_keys WHERE owner_id = 'roles-owner' FOR SHARE"),
      ).toBe('ok');
    });

    it('may not append, change or remove events, nor touch the outbox or the keys', async () => {
      expect(await as(projector, ...insertEvent())).toBe(refused);
      expect(
        await as(projector, "UPDATE events SET data = '{}' WHERE global_position = $1", [eventPosition]),
      ).toBe(refused);
      expect(await as(projector, 'DELETE FROM events WHERE global_position = $1', [eventPosition])).toBe(
        refused,
      );
      expect(await as(projector, 'DELETE FROM outbox')).toBe(refused);
      expect(await as(projector, 'UPDATE personal_data_keys SET wrapped_key = NULL, erased_at = now()')).toBe(
        refused,
      );
      expect(await as(projector, 'SELECT * FROM snapshots LIMIT 1')).toBe(refused);
    });
  });

  describe('the relay role', () => {
    it('reads and deletes outbox rows', async () => {
      expect(await as(relay, 'SELECT * FROM outbox LIMIT 1')).toBe('ok');
      expect(await as(relay, 'DELETE FROM outbox WHERE id = -1')).toBe('ok');
    });

    it('may not touch events, nor write the outbox', async () => {
      expect(await as(relay, 'SELECT * FROM events LIMIT 1')).toBe(refused);
      expect(await as(relay, ...insertEvent())).toBe(refused);
      expect(await as(relay, 'DELETE FROM events WHERE global_position = $1', [eventPosition])).toBe(refused);
      expect(
        await as(
          relay,
          `INSERT INTO outbox (topic, message_key, event_id, headers, payload) VALUES ('t', 'k', $1, '{}', '{}')`,
          [randomUUID()],
        ),
      ).toBe(refused);
      expect(await as(relay, 'UPDATE account_balance SET balance = 1')).toBe(refused);
    });
  });

  it('refuses an event change even to the tables’ owner (the trigger stays behind the privileges)', async () => {
    await expect(
      owner.query("UPDATE events SET data = '{}' WHERE global_position = $1", [eventPosition]),
    ).rejects.toThrow(/events are append-only: UPDATE is not allowed/);
    await expect(
      owner.query('DELETE FROM events WHERE global_position = $1', [eventPosition]),
    ).rejects.toThrow(/events are append-only: DELETE is not allowed/);
  });

  it('re-runs the roles migration on a database whose roles already exist', async () => {
    const Roles = migrations.find((m) => new m().name.startsWith('DatabaseRoles'))!;
    const client = await owner.connect();
    try {
      await client.query('BEGIN');
      await new Roles().up({ query: (sql: string) => client.query(sql) } as unknown as QueryRunner);
      const { rows } = await client.query<{ rolname: string; rolcanlogin: boolean }>(
        'SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname',
        [Object.values(DATABASE_ROLES)],
      );
      expect(rows).toEqual(
        Object.values(DATABASE_ROLES)
          .sort()
          .map((rolname) => ({ rolname, rolcanlogin: false })),
      );
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});
