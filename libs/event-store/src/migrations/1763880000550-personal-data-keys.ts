import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Crypto-shredding (SPEC §8): one data key per owner, the only mutable home of
 * personal data's secrecy. Events hold personal fields sealed under it; erasing
 * a customer sets `wrapped_key` to NULL and `erased_at`, which makes every
 * sealed copy — in the events table, on Kafka, in backups of both — unreadable,
 * while the events themselves never change. The row stays as a tombstone: a
 * new name for an erased customer is refused rather than sealed under a new key.
 *
 * `wrapped_key` is the data key encrypted under the master key
 * (PERSONAL_DATA_MASTER_KEY): iv ‖ tag ‖ ciphertext, AES-256-GCM.
 */
export class PersonalDataKeys1763880000550 implements MigrationInterface {
  name = 'PersonalDataKeys1763880000550';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE personal_data_keys (
        owner_id     text        PRIMARY KEY,
        wrapped_key  bytea,
        created_at   timestamptz NOT NULL DEFAULT now(),
        erased_at    timestamptz,
        CONSTRAINT personal_data_keys_erased_has_no_key
          CHECK ((wrapped_key IS NULL) = (erased_at IS NOT NULL))
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE personal_data_keys');
  }
}
