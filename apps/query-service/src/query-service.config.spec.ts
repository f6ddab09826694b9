import { describe, expect, it } from '@jest/globals';
import { ConfigValidationError, loadConfig } from '@cqrs-bank/platform';
import { QueryServiceConfig } from './query-service.config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(QueryServiceConfig, env);
    return [];
  } catch (err) {
    if (err instanceof ConfigValidationError) return err.problems;
    throw err;
  }
}

describe('QueryServiceConfig', () => {
  it("answers GET /balance through its fast path unless BALANCE_FAST_PATH is 'false'", () => {
    expect(loadConfig(QueryServiceConfig, { NODE_ENV: 'test' }).BALANCE_FAST_PATH).toBe('true');
    expect(
      loadConfig(QueryServiceConfig, { NODE_ENV: 'test', BALANCE_FAST_PATH: 'false' }).BALANCE_FAST_PATH,
    ).toBe('false');
  });

  it('refuses a BALANCE_FAST_PATH that is neither true nor false, so the app does not start', () => {
    for (const bad of ['yes', 'TRUE', '1', 'off']) {
      expect(problemsOf({ NODE_ENV: 'test', BALANCE_FAST_PATH: bad }).join('\n')).toMatch(
        /BALANCE_FAST_PATH/,
      );
    }
  });

  it('serves from one process unless HTTP_WORKERS says how many', () => {
    expect(loadConfig(QueryServiceConfig, { NODE_ENV: 'test' }).HTTP_WORKERS).toBe(1);
    expect(loadConfig(QueryServiceConfig, { NODE_ENV: 'test', HTTP_WORKERS: '4' }).HTTP_WORKERS).toBe(4);
  });

  it('refuses an HTTP_WORKERS that is not a whole number from 1 to 64', () => {
    for (const bad of ['0', '65', '1.5', 'two', '-2']) {
      expect(problemsOf({ NODE_ENV: 'test', HTTP_WORKERS: bad }).join('\n')).toMatch(/HTTP_WORKERS/);
    }
  });
});
