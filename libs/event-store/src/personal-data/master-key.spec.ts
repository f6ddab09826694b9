import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { DEV_PERSONAL_DATA_MASTER_KEY, PersonalDataConfigError, resolveMasterKey } from './master-key.js';

describe('resolveMasterKey', () => {
  it('decodes PERSONAL_DATA_MASTER_KEY', () => {
    const key = randomBytes(32);
    const resolved = resolveMasterKey({
      NODE_ENV: 'production',
      PERSONAL_DATA_MASTER_KEY: key.toString('base64'),
    });
    expect(resolved.source).toBe('PERSONAL_DATA_MASTER_KEY');
    expect(resolved.key.equals(key)).toBe(true);
  });

  it('refuses to start in production without a key', () => {
    expect(() => resolveMasterKey({ NODE_ENV: 'production' })).toThrow(PersonalDataConfigError);
  });

  it('falls back to the public development key elsewhere', () => {
    for (const NODE_ENV of ['development', 'test']) {
      const resolved = resolveMasterKey({ NODE_ENV });
      expect(resolved.source).toBe('development-default');
      expect(resolved.key.equals(DEV_PERSONAL_DATA_MASTER_KEY)).toBe(true);
    }
    expect(DEV_PERSONAL_DATA_MASTER_KEY).toHaveLength(32);
  });

  it('refuses a key of the wrong length', () => {
    expect(() =>
      resolveMasterKey({ NODE_ENV: 'test', PERSONAL_DATA_MASTER_KEY: randomBytes(16).toString('base64') }),
    ).toThrow(PersonalDataConfigError);
  });
});
