import { describe, expect, it } from '@jest/globals';
import { BaseConfig } from './base.config.js';
import { ConfigValidationError, loadConfig } from './load-config.js';

class ExampleConfig extends BaseConfig {
  override PORT: number = 3999;
}

describe('loadConfig', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = loadConfig(ExampleConfig, {});
    expect(config.PORT).toBe(3999);
    expect(config.DB_POOL_SIZE).toBe(20);
    expect(config.kafkaBrokers).toEqual(['127.0.0.1:9092']);
    expect(config.migrationsRun).toBe(true);
  });

  it('converts numeric strings from the environment to numbers', () => {
    const config = loadConfig(ExampleConfig, { PORT: '4100', DB_POOL_SIZE: '7', KAFKA_BROKERS: 'a:1,b:2' });
    expect(config.PORT).toBe(4100);
    expect(config.DB_POOL_SIZE).toBe(7);
    expect(config.kafkaBrokers).toEqual(['a:1', 'b:2']);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig(ExampleConfig, { PORT: '' }).PORT).toBe(3999);
  });

  it('rejects invalid values with every problem named', () => {
    let error: unknown;
    try {
      loadConfig(ExampleConfig, { PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'chatty' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const problems = (error as ConfigValidationError).problems.join('\n');
    expect(problems).toMatch(/PORT/);
    expect(problems).toMatch(/DATABASE_URL/);
    expect(problems).toMatch(/LOG_LEVEL/);
  });

  it('ignores variables it does not declare', () => {
    const config = loadConfig(ExampleConfig, { SOMETHING_ELSE: 'x' }) as unknown as Record<string, unknown>;
    expect(config.SOMETHING_ELSE).toBeUndefined();
  });
});
