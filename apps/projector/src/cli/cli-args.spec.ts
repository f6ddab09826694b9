import { describe, expect, it } from '@jest/globals';
import { parseArgs, USAGE } from './cli-args.js';

describe('parseArgs', () => {
  it('takes every projection name, transfer-status included, with or without --restart', () => {
    expect(parseArgs(['projections:rebuild', 'transfer-status'])).toEqual({
      command: { name: 'projections:rebuild', target: 'transfer-status', restart: false },
    });
    expect(parseArgs(['projections:rebuild', 'all', '--restart'])).toEqual({
      command: { name: 'projections:rebuild', target: 'all', restart: true },
    });
  });

  it('refuses an unknown projection, and the usage lists the names it knows', () => {
    expect(parseArgs(['projections:rebuild', 'transfers'])).toEqual({
      error: 'unknown projection "transfers"',
    });
    expect(USAGE).toContain('balance | history | monthly-summary | transfer-status | all');
  });

  it('refuses a missing name, an unknown option and arguments to projections:status', () => {
    expect(parseArgs(['projections:rebuild'])).toHaveProperty('error');
    expect(parseArgs(['projections:rebuild', 'balance', '--force'])).toEqual({
      error: 'unknown option --force',
    });
    expect(parseArgs(['projections:status', 'balance'])).toHaveProperty('error');
    expect(parseArgs(['projections:status'])).toEqual({ command: { name: 'projections:status' } });
  });
});
