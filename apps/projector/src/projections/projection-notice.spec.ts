import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { BalanceRowChange } from './balance/balance.projection.js';
import { projectionNotices } from './projection-notice.js';

const at = new Date('2026-12-04T10:11:12.345Z');
const row = (accountId = randomUUID(), over: Partial<BalanceRowChange> = {}): BalanceRowChange => ({
  accountId,
  version: 7,
  balance: 12_345n,
  updatedAt: at,
  ...over,
});

describe('projectionNotices', () => {
  it('announces each changed row: id, version, balance, status when it changed, update time in ms', () => {
    const [a, b] = [randomUUID(), randomUUID()];
    expect(projectionNotices([row(a), row(b, { version: 1, balance: 0n, status: 'OPEN' })])).toEqual([
      `${a}:7:12345::${at.getTime()},${b}:1:0:OPEN:${at.getTime()}`,
    ]);
    expect(projectionNotices([row(a, { status: 'CLOSED', balance: 0n })])).toEqual([
      `${a}:7:0:CLOSED:${at.getTime()}`,
    ]);
  });

  it('keeps balances past 2^53 exact', () => {
    const a = randomUUID();
    expect(projectionNotices([row(a, { balance: 9_007_199_254_740_993n })])[0]).toContain(
      ':9007199254740993:',
    );
  });

  it('says nothing for a batch that changed no account row (transfer events only)', () => {
    expect(projectionNotices([])).toEqual([]);
  });

  it('says "any account" when the batch changed rows it cannot list (an erasure)', () => {
    expect(projectionNotices('any')).toEqual(['']);
  });

  it('splits many rows over payloads Postgres accepts, none lost', () => {
    const rows = Array.from({ length: 300 }, () => row());
    const payloads = projectionNotices(rows);
    expect(payloads.length).toBeGreaterThan(1);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThan(8000);
    expect(
      payloads
        .join(',')
        .split(',')
        .map((e) => e.split(':')[0]),
    ).toEqual(rows.map((r) => r.accountId));
  });

  it('says "any account" instead of more than a few notifications', () => {
    expect(projectionNotices(Array.from({ length: 5000 }, () => row()))).toEqual(['']);
  });
});
