import type { MigrationInterface, QueryRunner } from 'typeorm';

// The names are DATABASE_ROLES (../database-roles.ts), spelled out: a migration never changes.
const command = 'cqrs_bank_command';
const relay = 'cqrs_bank_relay';
const projector = 'cqrs_bank_projector';
const query = 'cqrs_bank_query';
const ROLES = [command, relay, projector, query];

/** What the projector writes and query-service reads (the projector owns them: a rebuild swaps them). */
const READ_MODELS = ['account_balance', 'account_transactions', 'account_monthly_summary', 'transfer_status'];

/**
 * Least privilege, enforced by Postgres itself (SPEC §5): one NOLOGIN group
 * role per app, granted exactly what that app does. Events get INSERT and
 * SELECT only — no role has UPDATE, DELETE or TRUNCATE on them, and the
 * `events_immutable` triggers refuse those to the owner as well.
 *
 * - command: appends events, snapshots (upserted), outbox rows, idempotency
 *   records (deleted when an append conflicts, and purged); creates owners'
 *   data keys and erases them (UPDATE of the key columns only, never DELETE).
 *   It also reads and deletes outbox rows: OUTBOX_RELAY=embedded relays in
 *   this process.
 * - relay: reads and deletes outbox rows; touches no event.
 * - projector: reads events (gap catch-up, rebuild) and the owners' keys
 *   (opening names; the FOR SHARE lock that orders a projection against an
 *   erasure needs UPDATE on one column, so it gets it on `created_at` only);
 *   writes its offsets, checkpoints and rebuild journal. It OWNS the read-model
 *   tables and may CREATE in the schema: a rebuild creates shadow tables and
 *   renames them into place, which only an owner may do.
 * - query: SELECT on the read models, nothing else.
 *
 * relay, command and projector are also members of pg_read_all_stats when the
 * migrating user may grant it: the relay's "oldest open transaction" metric
 * and the rebuild's wait for older transactions read other sessions'
 * `xact_start` in pg_stat_activity, which Postgres hides from other roles.
 *
 * Roles belong to the cluster, tables to a database: the roles are created
 * only when missing (another database on the server, or a concurrent
 * migration, may have created them) and never dropped, while the grants are
 * this database's. Migrations run as the schema owner with CREATEROLE (the
 * `postgres` user locally, the migration Job's user in Kubernetes), never
 * under a group role: that user is made a member of every group role, which
 * it needs to hand the read models to the projector and lets it SET ROLE.
 *
 * A later migration that adds a table grants it to the roles that use it.
 */
export class DatabaseRoles1763880000600 implements MigrationInterface {
  name = 'DatabaseRoles1763880000600';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      DO $$
      DECLARE r text;
      BEGIN
        FOREACH r IN ARRAY ARRAY[${ROLES.map((r) => `'${r}'`).join(', ')}] LOOP
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
            BEGIN
              EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
              NULL; -- created meanwhile by a migration of another database
            END;
          END IF;
          IF NOT pg_has_role(current_user, r, 'USAGE') THEN
            EXECUTE format('GRANT %I TO %I', r, current_user);
          END IF;
        END LOOP;
      END $$`);

    await db.query(`
      DO $$
      BEGIN
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO ${ROLES.join(', ')}', current_schema());
        EXECUTE format('GRANT CREATE ON SCHEMA %I TO ${projector}', current_schema());
      END $$`);

    await db.query(`GRANT SELECT, INSERT ON events TO ${command}`);
    await db.query(`GRANT SELECT, INSERT, UPDATE ON snapshots TO ${command}`);
    await db.query(`GRANT SELECT, INSERT, DELETE ON outbox TO ${command}`);
    await db.query(`GRANT SELECT, INSERT, DELETE ON idempotency_keys TO ${command}`);
    await db.query(`GRANT SELECT, INSERT ON personal_data_keys TO ${command}`);
    await db.query(`GRANT UPDATE (wrapped_key, erased_at) ON personal_data_keys TO ${command}`);

    await db.query(`GRANT SELECT, DELETE ON outbox TO ${relay}`);

    await db.query(`GRANT SELECT ON events TO ${projector}`);
    await db.query(`GRANT SELECT ON personal_data_keys TO ${projector}`);
    await db.query(`GRANT UPDATE (created_at) ON personal_data_keys TO ${projector}`);
    await db.query(
      `GRANT SELECT, INSERT, UPDATE ON projector_offsets, projection_checkpoints, projection_rebuilds TO ${projector}`,
    );
    for (const table of READ_MODELS) await db.query(`ALTER TABLE ${table} OWNER TO ${projector}`);

    await db.query(`GRANT SELECT ON ${READ_MODELS.join(', ')} TO ${query}`);

    await db.query(`
      DO $$
      DECLARE r text;
      BEGIN
        FOREACH r IN ARRAY ARRAY['${relay}', '${command}', '${projector}'] LOOP
          IF NOT pg_has_role(r, 'pg_read_all_stats', 'MEMBER') THEN
            EXECUTE format('GRANT pg_read_all_stats TO %I', r);
          END IF;
        END LOOP;
      EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'not allowed to grant pg_read_all_stats: the relay''s oldest-open-transaction metric reads 0 and a rebuild''s swap waits its settle timeout for long transactions';
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    // The roles stay: other databases on the server may use them.
    for (const table of READ_MODELS) await db.query(`ALTER TABLE ${table} OWNER TO CURRENT_USER`);
    const tables = [
      'events',
      'snapshots',
      'outbox',
      'idempotency_keys',
      'personal_data_keys',
      'projector_offsets',
      'projection_checkpoints',
      'projection_rebuilds',
      ...READ_MODELS,
    ];
    await db.query(`REVOKE ALL ON ${tables.join(', ')} FROM ${ROLES.join(', ')}`);
    await db.query(`
      DO $$
      BEGIN
        EXECUTE format('REVOKE ALL ON SCHEMA %I FROM ${ROLES.join(', ')}', current_schema());
      END $$`);
  }
}
