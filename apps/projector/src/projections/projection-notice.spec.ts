import { describe, expect, it } from '@jest/globals';
import { accountStreamId, customerStreamId, transferStreamId } from '@cqrs-bank/banking';
import { randomUUID } from 'node:crypto';
import { projectionNotices } from './projection-notice.js';

const account = (id: string) => ({ streamId: accountStreamId(id), streamType: 'account' });

describe('projectionNotices', () => {
  it('names each changed account once', () => {
    const [a, b] = [randomUUID(), randomUUID()];
    expect(projectionNotices([account(a), account(b), account(a)])).toEqual([`${a},${b}`]);
  });

  it('says nothing for a batch of transfer events only', () => {
    expect(projectionNotices([{ streamId: transferStreamId(randomUUID()), streamType: 'transfer' }])).toEqual(
      [],
    );
    expect(projectionNotices([])).toEqual([]);
  });

  it('says "any account" for a customer event (an erasure renames all their accounts)', () => {
    const erased = { streamId: customerStreamId('owner-1'), streamType: 'customer' };
    expect(projectionNotices([account(randomUUID()), erased])).toEqual(['']);
  });

  it('splits many accounts over payloads Postgres accepts', () => {
    const ids = Array.from({ length: 500 }, () => randomUUID());
    const payloads = projectionNotices(ids.map(account));
    expect(payloads.length).toBeGreaterThan(1);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThan(8000);
    expect(payloads.join(',').split(',')).toEqual(ids);
  });

  it('says "any account" instead of more than a few notifications', () => {
    const ids = Array.from({ length: 5000 }, () => randomUUID());
    expect(projectionNotices(ids.map(account))).toEqual(['']);
  });
});
