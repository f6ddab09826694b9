import { ACCOUNT_STREAM_TYPE } from '@cqrs-bank/banking';
import type { PostgresEventStore } from '@cqrs-bank/event-store';
import { fetchTopicWatermarks } from '@cqrs-bank/messaging';
import { withTimeout } from '@cqrs-bank/platform';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { ident } from '../projections/read-model-tables.js';
import { describeCheckpoint, RebuildJournal, type RebuildRecord } from '../rebuild/rebuild-journal.js';
import { ACCOUNT_READ_MODELS, type ReadModelGroup } from '../rebuild/rebuild-targets.js';

export interface PartitionStatus {
  partition: number;
  /** The projector's checkpoint: next offset, stored with the read models (`projector_offsets`). */
  checkpoint?: string;
  /** The consumer group's committed offset in Kafka (null: nothing committed yet). */
  committed?: string | null;
  /** The partition's high watermark. */
  end?: string;
  /** end − committed (end − start of the log when nothing is committed). */
  lag?: number;
}

export interface ProjectionStatusReport {
  group: ReadModelGroup;
  consumerGroup: string;
  topic: string;
  partitions: PartitionStatus[];
  /** Kafka's lag summed over the partitions; undefined when Kafka did not answer. */
  lagEvents?: number;
  kafkaError?: string;
  /** recorded_at of the newest account event the read models reflect. */
  newestReflected: Date | null;
  /** recorded_at of the newest account event in the event store. */
  newestStored: Date | null;
  /** 0 when the newest stored event is reflected; else now − newestReflected. */
  lagSeconds: number | null;
  running?: RebuildRecord & { active: boolean };
  lastDone?: RebuildRecord;
  at: Date;
}

/**
 * `projections:status`: where each projection is, from Postgres (the
 * projector's checkpoint, the rebuild journal, the newest event reflected)
 * and from Kafka (high watermark − committed offset per partition).
 */
export async function projectionStatus(
  db: pg.Pool,
  store: PostgresEventStore,
  kafka: Kafka,
  options: { consumerGroup: string; topic: string; kafkaTimeoutMs: number },
): Promise<ProjectionStatusReport> {
  const group = ACCOUNT_READ_MODELS;
  const journal = new RebuildJournal();
  const [offsets, freshness, newestStored, running, lastDone] = await Promise.all([
    db.query<{ partition: number; next_offset: string }>(
      `SELECT partition, next_offset FROM projector_offsets
        WHERE consumer_group = $1 AND topic = $2 ORDER BY partition`,
      [options.consumerGroup, options.topic],
    ),
    db.query<{ reflected: Date | null }>(
      `SELECT max(updated_at) AS reflected FROM ${ident(group.live.balance)}`,
    ),
    store.newestRecordedAt(ACCOUNT_STREAM_TYPE),
    journal.running(db, group),
    journal.lastDone(db, group),
  ]);
  const at = new Date();
  const partitions = new Map<number, PartitionStatus>();
  for (const o of offsets.rows)
    partitions.set(o.partition, { partition: o.partition, checkpoint: o.next_offset });

  let lagEvents: number | undefined;
  let kafkaError: string | undefined;
  const admin = kafka.admin();
  try {
    const [ends, committed] = await withTimeout(
      (async () => {
        await admin.connect();
        return Promise.all([
          fetchTopicWatermarks(admin, options.topic),
          admin.fetchOffsets({ groupId: options.consumerGroup, topics: [options.topic] }),
        ]);
      })(),
      options.kafkaTimeoutMs,
      'Kafka',
    );
    const committedBy = new Map(
      (committed.find((t) => t.topic === options.topic)?.partitions ?? []).map((p) => [
        p.partition,
        p.offset,
      ]),
    );
    lagEvents = 0;
    for (const end of ends) {
      const c = committedBy.get(end.partition);
      const has = c !== undefined && BigInt(c) >= 0n;
      const lag = Number(BigInt(end.high) - (has ? BigInt(c) : BigInt(end.low)));
      lagEvents += lag;
      partitions.set(end.partition, {
        partition: end.partition,
        ...partitions.get(end.partition),
        committed: has ? c : null,
        end: end.high,
        lag,
      });
    }
  } catch (err) {
    kafkaError = err instanceof Error ? err.message : String(err);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }

  const { reflected } = freshness.rows[0];
  const stored = newestStored;
  let lagSeconds: number | null = null;
  if (stored && reflected)
    lagSeconds = reflected >= stored ? 0 : Math.max(0, (at.getTime() - reflected.getTime()) / 1000);
  else if (!stored) lagSeconds = 0;

  return {
    group,
    consumerGroup: options.consumerGroup,
    topic: options.topic,
    partitions: [...partitions.values()].sort((a, b) => a.partition - b.partition),
    lagEvents,
    kafkaError,
    newestReflected: reflected,
    newestStored: stored,
    lagSeconds,
    running: running && { ...running, active: await journal.lockHeld(db, group) },
    lastDone,
    at,
  };
}

/** The report as the CLI prints it: one block per projection. */
export function formatStatus(r: ProjectionStatusReport): string {
  const lines = [`projector consumer group ${r.consumerGroup} on ${r.topic}, at ${r.at.toISOString()}`];
  const checkpoint =
    r.partitions.filter((p) => p.checkpoint !== undefined).length === 0
      ? 'none yet (the projector has applied nothing)'
      : r.partitions
          .filter((p) => p.checkpoint !== undefined)
          .map((p) => `${p.partition}:${p.checkpoint}`)
          .join(' ');
  const behind = r.partitions.filter((p) => (p.lag ?? 0) > 0);
  const lagEvents =
    r.lagEvents === undefined
      ? `unknown (Kafka: ${r.kafkaError ?? 'no answer'})`
      : `${r.lagEvents} events` +
        (behind.length > 0
          ? ` (partition:lag ${behind.map((p) => `${p.partition}:${p.lag}`).join(' ')})`
          : '');
  const lagSeconds =
    r.lagSeconds === null ? 'unknown (no account events reflected yet)' : `${r.lagSeconds.toFixed(1)} s`;
  const newest =
    `reflected ${r.newestReflected?.toISOString() ?? 'none'}, ` +
    `newest stored ${r.newestStored?.toISOString() ?? 'none'}`;
  const rebuild: string[] = [];
  if (r.running) {
    const state = r.running.active ? 'running' : 'interrupted (no process holds it; run it again to resume)';
    rebuild.push(
      `#${r.running.id} ${state}: checkpoint ${describeCheckpoint(r.running.checkpoint)}, ` +
        `${r.running.eventsRead} events read, started ${r.running.startedAt.toISOString()}, ` +
        `last progress ${r.running.updatedAt.toISOString()}` +
        (r.running.lastError ? `, last error: ${r.running.lastError}` : ''),
    );
  }
  if (r.lastDone) {
    const d = r.lastDone;
    const seconds = ((d.finishedAt ?? d.updatedAt).getTime() - d.startedAt.getTime()) / 1000;
    rebuild.push(
      `last #${d.id} (${d.requested}) finished ${(d.finishedAt ?? d.updatedAt).toISOString()}: ` +
        `${d.eventsRead} events in ${seconds.toFixed(1)} s, up to ${describeCheckpoint(d.checkpoint)}`,
    );
  }
  if (rebuild.length === 0) rebuild.push('never rebuilt');

  for (const name of r.group.projections) {
    lines.push(
      '',
      name,
      `  checkpoint    next offset per partition ${checkpoint}`,
      `  lag           ${lagEvents}; ${lagSeconds}`,
      `  newest event  ${newest}`,
      ...rebuild.map((text, i) => `  ${i === 0 ? 'rebuild' : '       '}       ${text}`),
    );
  }
  lines.push(
    '',
    `${r.group.projections.join(', ')} are applied together, in one transaction per batch, and rebuilt together: ` +
      'they share these figures.',
  );
  return lines.join('\n') + '\n';
}
