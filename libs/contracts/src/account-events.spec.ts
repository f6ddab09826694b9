import { describe, expect, it } from '@jest/globals';
import { CE_SOURCE, PUBLIC_EVENT_TYPES, cloudEventHeaders } from './account-events.js';
import { TOPICS } from './topics.js';

describe('cloudEventHeaders', () => {
  it('builds the CloudEvents binary-mode headers of SPEC §7', () => {
    expect(
      cloudEventHeaders({
        id: '9a0c4f7e-1b2d-4e3f-8a5b-6c7d8e9f0a1b',
        type: PUBLIC_EVENT_TYPES.FundsWithdrawn,
        subject: '3f1c9a52-8d4e-4b7a-9c21-6e0d5b8f7a14',
        time: '2025-11-23T09:30:00.000Z',
        correlationId: 'req-1',
      }),
    ).toEqual({
      ce_specversion: '1.0',
      ce_id: '9a0c4f7e-1b2d-4e3f-8a5b-6c7d8e9f0a1b',
      ce_type: 'bank.account.funds-withdrawn.v1',
      ce_source: CE_SOURCE,
      ce_time: '2025-11-23T09:30:00.000Z',
      ce_subject: '3f1c9a52-8d4e-4b7a-9c21-6e0d5b8f7a14',
      'content-type': 'application/json',
      'correlation-id': 'req-1',
    });
  });
});

describe('names of the contract', () => {
  it('versions every ce_type and topic as v1 (a breaking change goes to .v2)', () => {
    expect(Object.values(TOPICS)).toEqual([
      'bank.account-events.v1',
      'bank.ledger.internal.v1',
      'bank.projector.dlq.v1',
    ]);
    for (const type of Object.values(PUBLIC_EVENT_TYPES))
      expect(type).toMatch(/^bank\.account\.[a-z-]+\.v1$/);
    expect(new Set(Object.values(PUBLIC_EVENT_TYPES)).size).toBe(Object.keys(PUBLIC_EVENT_TYPES).length);
  });
});
