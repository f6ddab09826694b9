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
});
