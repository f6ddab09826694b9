import { describe, expect, it } from '@jest/globals';
import { ConfigValidationError, loadConfig } from '@cqrs-bank/platform';
import { CommandServiceConfig } from './command-service.config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(CommandServiceConfig, env);
    return [];
  } catch (err) {
    if (err instanceof ConfigValidationError) return err.problems;
    throw err;
  }
}

describe('CommandServiceConfig', () => {
  it('takes the transfer crash injection outside production', () => {
    expect(problemsOf({ NODE_ENV: 'test', TRANSFER_SAGA_CRASH_AFTER: 'debit' })).toEqual([]);
  });

  it('refuses the transfer crash injection in production, so the app does not start', () => {
    const problems = problemsOf({ NODE_ENV: 'production', TRANSFER_SAGA_CRASH_AFTER: 'credit' });
    expect(problems.join('\n')).toMatch(/TRANSFER_SAGA_CRASH_AFTER is a test-only setting/);
  });

  it('accepts production without it', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([]);
  });

  it('lets the saga fetch wait 0 to 1000 ms (25 by default), and refuses anything else', () => {
    expect(loadConfig(CommandServiceConfig, { NODE_ENV: 'test' }).TRANSFER_SAGA_FETCH_WAIT_MS).toBe(25);
    expect(problemsOf({ NODE_ENV: 'test', TRANSFER_SAGA_FETCH_WAIT_MS: '0' })).toEqual([]);
    expect(problemsOf({ NODE_ENV: 'test', TRANSFER_SAGA_FETCH_WAIT_MS: '1000' })).toEqual([]);
    for (const bad of ['-1', '1001', '2.5', 'soon']) {
      expect(problemsOf({ NODE_ENV: 'test', TRANSFER_SAGA_FETCH_WAIT_MS: bad }).join('\n')).toMatch(
        /TRANSFER_SAGA_FETCH_WAIT_MS/,
      );
    }
  });

  it('refuses an unknown crash point', () => {
    expect(problemsOf({ NODE_ENV: 'test', TRANSFER_SAGA_CRASH_AFTER: 'complete' }).join('\n')).toMatch(
      /TRANSFER_SAGA_CRASH_AFTER/,
    );
  });
});
