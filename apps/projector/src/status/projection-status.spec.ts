import { describe, expect, it } from '@jest/globals';
import { START_OF_LOG } from '@cqrs-bank/event-store';
import type { RebuildRecord } from '../rebuild/rebuild-journal.js';
import { ACCOUNT_READ_MODELS, TRANSFER_READ_MODELS } from '../rebuild/rebuild-targets.js';
import { formatStatus, lagSeconds, partitionLag, type ProjectionStatusReport } from './projection-status.js';

const at = new Date('2025-03-01T12:00:10Z');
const t = (iso: string) => new Date(iso);

function record(overrides: Partial<RebuildRecord>): RebuildRecord {
  return {
    id: '7',
    readModels: 'transfer',
    projections: ['transfer-status'],
    requested: 'transfer-status',
    status: 'DONE',
    checkpoint: { txId: '812', position: 4051n },
    eventsRead: 4051,
    eventsApplied: 800,
    startedAt: t('2025-03-01T11:00:00Z'),
    updatedAt: t('2025-03-01T11:00:02Z'),
    finishedAt: t('2025-03-01T11:00:02.500Z'),
    lastError: null,
    ...overrides,
  };
}

const report: ProjectionStatusReport = {
  consumerGroup: 'projector',
  topic: 'bank.ledger.internal.v1',
  partitions: [
    { partition: 0, checkpoint: '12', committed: '12', end: '12', lag: 0 },
    { partition: 1, checkpoint: '5', committed: '5', end: '8', lag: 3 },
  ],
  lagEvents: 3,
  groups: [
    {
      group: ACCOUNT_READ_MODELS,
      newestReflected: t('2025-03-01T12:00:00Z'),
      newestStored: t('2025-03-01T12:00:00Z'),
      lagSeconds: 0,
    },
    {
      group: TRANSFER_READ_MODELS,
      newestReflected: t('2025-03-01T12:00:04Z'),
      newestStored: t('2025-03-01T12:00:09Z'),
      lagSeconds: 6,
      running: {
        ...record({ id: '9', status: 'RUNNING', finishedAt: null, checkpoint: START_OF_LOG, eventsRead: 0 }),
        active: true,
      },
      lastDone: record({}),
    },
  ],
  at,
};

/** The block `formatStatus` prints for one projection, up to the next blank line. */
function block(text: string, name: string): string {
  const start = text.indexOf(`\n${name}\n`);
  expect(start).toBeGreaterThan(0);
  const end = text.indexOf('\n\n', start + 1);
  return text.slice(start + 1, end < 0 ? undefined : end);
}

describe('formatStatus', () => {
  it('prints every projection, transfer-status with its own freshness and rebuilds', () => {
    const text = formatStatus(report);
    for (const name of ['balance', 'history', 'monthly-summary'])
      expect(block(text, name)).toMatch(
        /lag +3 events \(partition:lag 1:3\); 0\.0 s\n.*\n +rebuild +never rebuilt/,
      );
    const transfers = block(text, 'transfer-status');
    expect(transfers).toContain('checkpoint    next offset per partition 0:12 1:5');
    expect(transfers).toContain('lag           3 events (partition:lag 1:3); 6.0 s');
    expect(transfers).toContain('reflected 2025-03-01T12:00:04.000Z, newest stored 2025-03-01T12:00:09.000Z');
    expect(transfers).toMatch(/rebuild +#9 running: checkpoint the start of the log, 0 events read/);
    expect(transfers).toMatch(
      /^ +last #7 \(transfer-status\) finished 2025-03-01T11:00:02\.500Z: 4051 events in 2\.5 s, up to tx 812 \/ position 4051$/m,
    );
  });

  it('says which projections share every figure', () => {
    const text = formatStatus(report);
    expect(text).toContain(
      'balance, history, monthly-summary share one version guard and are rebuilt together',
    );
    expect(text).not.toMatch(/transfer-status share/);
  });

  it('names the streams of a group none of whose events is reflected yet', () => {
    const text = formatStatus({
      ...report,
      groups: [{ ...report.groups[1], newestReflected: null, lagSeconds: null, running: undefined }],
    });
    expect(block(text, 'transfer-status')).toContain('unknown (no transfer events reflected yet)');
  });
});

describe('lagSeconds', () => {
  it('is 0 when the newest stored event is reflected, or none is stored', () => {
    expect(lagSeconds(t('2025-03-01T12:00:00Z'), t('2025-03-01T12:00:00Z'), at)).toBe(0);
    expect(lagSeconds(null, null, at)).toBe(0);
  });

  it('is the age of the newest reflected event otherwise, unknown when none is reflected', () => {
    expect(lagSeconds(t('2025-03-01T12:00:04Z'), t('2025-03-01T12:00:09Z'), at)).toBe(6);
    expect(lagSeconds(null, t('2025-03-01T12:00:09Z'), at)).toBeNull();
  });
});

describe('partitionLag', () => {
  const end = { low: '100', high: '250' };
  it('counts from the later of the checkpoint and the committed offset (Kafka commits trail)', () => {
    expect(partitionLag(end, '200', '240')).toBe(10);
    expect(partitionLag(end, '245', '240')).toBe(5);
    expect(partitionLag(end, null, '230')).toBe(20);
    expect(partitionLag(end, '210', undefined)).toBe(40);
  });
  it("counts from the log's start without either (or when both are older than it)", () => {
    expect(partitionLag(end, null, undefined)).toBe(150);
    expect(partitionLag(end, '3', '7')).toBe(150);
  });
  it('is never negative', () => {
    expect(partitionLag(end, null, '300')).toBe(0);
  });
});
