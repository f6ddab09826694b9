import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Where each projection records how far it has applied the event log (SPEC §10). */
export class CreateProjectionCheckpoints1763880000000 implements MigrationInterface {
  name = 'CreateProjectionCheckpoints1763880000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE projection_checkpoints (
        projection   text        PRIMARY KEY,
        position     bigint      NOT NULL DEFAULT 0 CHECK (position >= 0),
        updated_at   timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE projection_checkpoints');
  }
}
