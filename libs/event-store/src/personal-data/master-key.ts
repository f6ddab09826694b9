import { createHash } from 'node:crypto';

/**
 * The master key used when PERSONAL_DATA_MASTER_KEY is unset outside
 * production, so `npm start` and the tests work on a fresh checkout. It is
 * derived from a public string in this repository, so it protects nothing:
 * production refuses to start without a real key.
 */
export const DEV_PERSONAL_DATA_MASTER_KEY: Buffer = createHash('sha256')
  .update('cqrs-bank development personal-data master key: never use in production')
  .digest();

export type MasterKeySource = 'PERSONAL_DATA_MASTER_KEY' | 'development-default';

/** Misconfigured personal-data encryption; thrown while the app starts. */
export class PersonalDataConfigError extends Error {
  override readonly name = 'PersonalDataConfigError';
}

/**
 * The master key from the configuration: PERSONAL_DATA_MASTER_KEY (base64, 32
 * bytes) when set; otherwise an error in production and the development key
 * elsewhere (the caller warns once).
 */
export function resolveMasterKey(config: { NODE_ENV: string; PERSONAL_DATA_MASTER_KEY?: string }): {
  key: Buffer;
  source: MasterKeySource;
} {
  const configured = config.PERSONAL_DATA_MASTER_KEY;
  if (configured) {
    const key = Buffer.from(configured, 'base64');
    if (key.length !== 32) {
      throw new PersonalDataConfigError('PERSONAL_DATA_MASTER_KEY must be 32 bytes, base64-encoded');
    }
    return { key, source: 'PERSONAL_DATA_MASTER_KEY' };
  }
  if (config.NODE_ENV === 'production') {
    throw new PersonalDataConfigError(
      'PERSONAL_DATA_MASTER_KEY is not set: production never falls back to the development key ' +
        '(generate one with: openssl rand -base64 32)',
    );
  }
  return { key: DEV_PERSONAL_DATA_MASTER_KEY, source: 'development-default' };
}
