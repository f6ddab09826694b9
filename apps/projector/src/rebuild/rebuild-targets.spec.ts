import { describe, expect, it } from '@jest/globals';
import { ident, oldTable, shadowTable } from '../projections/read-model-tables.js';
import {
  ACCOUNT_READ_MODELS,
  groupsOf,
  isRebuildTarget,
  PROJECTION_NAMES,
  READ_MODEL_GROUPS,
  TRANSFER_READ_MODELS,
} from './rebuild-targets.js';

describe('rebuild targets', () => {
  it('puts every projection in exactly one group', () => {
    for (const name of PROJECTION_NAMES) {
      expect({ name, groups: READ_MODEL_GROUPS.filter((g) => g.projections.includes(name)).length }).toEqual({
        name,
        groups: 1,
      });
    }
  });

  it('rebuilds the three account read models together, whichever of them is named', () => {
    for (const name of ['balance', 'history', 'monthly-summary'] as const)
      expect(groupsOf(name)).toEqual([ACCOUNT_READ_MODELS]);
  });

  it('rebuilds transfer-status on its own, and every group for all', () => {
    expect(groupsOf('transfer-status')).toEqual([TRANSFER_READ_MODELS]);
    expect(groupsOf('all')).toEqual([ACCOUNT_READ_MODELS, TRANSFER_READ_MODELS]);
  });

  it('accepts the projection names and all, nothing else', () => {
    expect(isRebuildTarget('transfer-status')).toBe(true);
    expect(isRebuildTarget('all')).toBe(true);
    expect(isRebuildTarget('transfer_status')).toBe(false);
    expect(isRebuildTarget('balances')).toBe(false);
  });

  it('gives each group its own journal key and rebuild lock', () => {
    expect(new Set(READ_MODEL_GROUPS.map((g) => g.key)).size).toBe(READ_MODEL_GROUPS.length);
    expect(new Set(READ_MODEL_GROUPS.map((g) => g.lockKey)).size).toBe(READ_MODEL_GROUPS.length);
  });

  it('describes tables a rebuild can shadow: the guard and the keyed tables are its own', () => {
    for (const group of READ_MODEL_GROUPS) {
      expect(group.tables).toContain(group.guard.table);
      for (const t of group.keyedDuringReplay) expect(group.tables).toContain(t);
      for (const t of group.tables) {
        expect(() => ident(shadowTable(t))).not.toThrow();
        expect(() => ident(oldTable(t))).not.toThrow();
      }
    }
    const all = READ_MODEL_GROUPS.flatMap((g) => g.tables);
    expect(new Set(all).size).toBe(all.length);
  });
});
