import { describe, expect, it } from '@jest/globals';
import { projectionNotice } from './projection-notifications.js';

const a = '6f1c1f4e-3d0a-4d6e-9a51-0d3c0b7e2a11';
const b = '0b8e6b0c-2f7f-4c65-8d0e-5b8f6b3f9c22';
const at = Date.parse('2026-12-04T10:11:12.345Z');

describe('projectionNotice', () => {
  it('reads each entry: the account and its row as the batch left it', () => {
    const { change, rows } = projectionNotice(`${a}:7:12345::${at},${b}:1:0:OPEN:${at}`);
    expect(change).toEqual([a, b]);
    expect(rows.get(a)).toEqual({ version: 7, balance: 12345, updatedAt: '2026-12-04T10:11:12.345000Z' });
    expect(rows.get(b)).toEqual({
      version: 1,
      balance: 0,
      status: 'OPEN',
      updatedAt: '2026-12-04T10:11:12.345000Z',
    });
    expect(projectionNotice(`${a}:9:0:CLOSED:${at}`).rows.get(a)?.status).toBe('CLOSED');
  });

  it('reads ids alone (a projector that sends no rows) as changes without a row', () => {
    const { change, rows } = projectionNotice(`${a},${b}`);
    expect(change).toEqual([a, b]);
    expect(rows.size).toBe(0);
  });

  it('reads an empty payload as "any account may have changed"', () => {
    expect(projectionNotice('')).toEqual({ change: 'any', rows: new Map() });
    expect(projectionNotice(undefined).change).toBe('any');
  });

  it('keeps the account but drops a row it cannot hold exactly or does not understand', () => {
    for (const entry of [
      `${a}:7:9007199254740993::${at}`,
      `${a}:x:1::${at}`,
      `${a}:7:1:FROZEN:${at}`,
      `${a}:7:1:${at}`,
      `${a}:7:1::${at}:extra`,
      `${a}:7:1::9000000000000000`,
    ]) {
      const { change, rows } = projectionNotice(`${entry},${b}:2:5::${at}`);
      expect(change).toEqual([a, b]);
      expect(rows.has(a)).toBe(false);
      expect(rows.get(b)?.version).toBe(2);
    }
  });
});
