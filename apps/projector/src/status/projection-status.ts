import type { PostgresEventStore } from '@cqrs-bank/event-store';
import { fetchTopicWatermarks } from '@cqrs-bank/messaging';
import { withTimeout } from '@cqrs-bank/platform';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { ident } from '../projections/read-model-tables.js';
import { describeCheckpoint, RebuildJournal, type RebuildRecord } from '../rebuild/rebuild-journal.js';
import { READ_MODEL_GROUPS, type ReadModelGroup } from '../rebuild/rebuild-targets.js';

export interface PartitionStatus {
  partition: number;
  /** The projector's checkpoint: next offset, stored with the read models (`projector_offsets`). */
  checkpoint?: string;
  /** The consumer group's committed offset in Kafka (null: nothing committed yet). */
  committed?: string | null;
  /** The partition's high watermark. */
  end?: string;
  /**
   * end − the position: the later of the checkpoint and the committed offset
   * (Kafka's trails the checkpoint by up to PROJECTOR_OFFSET_COMMIT_INTERVAL_MS);
   * end − start of the log when neither exists.
   */
  lag?: number;
}

/** What differs between groups of read models: how fresh their tables are, and their rebuilds. */
export interface GroupStatus {
  group: ReadModelGroup;
  /** recorded_at of the newest event of the group's streams the read models reflect. */
  newestReflected: Date | null;
  /** recorded_at of the newest event of the group's streams in the event store. */
  newestStored: Date | null;
  /** 0 when the newest stored event is reflected; else now − newestReflected. */
  lagSeconds: number | null;
  running?: RebuildRecord & { active: boolean };
  lastDone?: RebuildRecord;
}

export interface ProjectionStatusReport {
  consumerGroup: string;
  topic: string;
  /** The projector's checkpoint and Kafka lag: one batch transaction applies every group, so they share it. */
  partitions: PartitionStatus[];
  /** Kafka's lag summed over the partitions; undefined when Kafka did not answer. */
  lagEvents?: number;
  kafkaError?: string;
  groups: GroupStatus[];
  at: Date;
}

/**
 * `projections:status`: where each projection is, from Postgres (the
 * projector's checkpoint, the rebuild journal, the newest event reflected)
 * and from Kafka (high watermark − the later of checkpoint and committed
 * offset, per partition).
 */
/**
 * Messages of a partition not applied yet: from the later of the checkpoint
 * and the committed offset (or the log's start without either) to its end.
 */
export function partitionLag(
  end: { low: string; high: string },
  committed: string | null,
  checkpoint: string | undefined,
): number {
  let position = BigInt(end.low);
  for (const p of [committed, checkpoint]) if (p && BigInt(p) > position) position = BigInt(p);
  return Math.max(0, Number(BigInt(end.high) - position));
}

export async function projectionStatus(
  db: pg.Pool,
  store: PostgresEventStore,
  kafka: Kafka,
  options: { consumerGroup: string; topic: string; kafkaTimeoutMs: number },
): Promise<ProjectionStatusReport> {
  const [offsets, groups] = await Promise.all([
    db.query<{ partition: number; next_offset: string }>(
      `SELECT partition, next_offset FROM projector_offsets
        WHERE consumer_group = $1 AND topic = $2 ORDER BY partition`,
      [options.consumerGroup, options.topic],
    ),
    Promise.all(READ_MODEL_GROUPS.map((group) => groupStatus(db, store, group))),
  ]);
  const at = new Date();
  for (const g of groups) g.lagSeconds = lagSeconds(g.newestReflected, g.newestStored, at);
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
      const lag = partitionLag(end, has ? c : null, partitions.get(end.partition)?.checkpoint);
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

  return {
    consumerGroup: options.consumerGroup,
    topic: options.topic,
    partitions: [...partitions.values()].sort((a, b) => a.partition - b.partition),
    lagEvents,
    kafkaError,
    groups,
    at,
  };
}

async function groupStatus(
  db: pg.Pool,
  store: PostgresEventStore,
  group: ReadModelGroup,
): Promise<GroupStatus> {
  const journal = new RebuildJournal();
  const [freshness, newestStored, running, lastDone] = await Promise.all([
    db.query<{ reflected: Date | null }>(
      `SELECT max(updated_at) AS reflected FROM ${ident(group.guard.table)}`,
    ),
    store.newestRecordedAt(group.guard.streamType),
    journal.running(db, group),
    journal.lastDone(db, group),
  ]);
  return {
    group,
    newestReflected: freshness.rows[0].reflected,
    newestStored,
    lagSeconds: null,
    running: running && { ...running, active: await journal.lockHeld(db, group) },
    lastDone,
  };
}

/** 0 when the newest stored event is reflected (or none is stored); else how old the newest reflected one is. */
export function lagSeconds(reflected: Date | null, stored: Date | null, at: Date): number | null {
  if (!stored) return 0;
  if (!reflected) return null;
  return reflected >= stored ? 0 : Math.max(0, (at.getTime() - reflected.getTime()) / 1000);
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
  for (const g of r.groups) {
    const seconds =
      g.lagSeconds === null
        ? `unknown (no ${g.group.guard.streamType} events reflected yet)`
        : `${g.lagSeconds.toFixed(1)} s`;
    const newest =
      `reflected ${g.newestReflected?.toISOString() ?? 'none'}, ` +
      `newest stored ${g.newestStored?.toISOString() ?? 'none'}`;
    const rebuild = describeRebuilds(g);
    for (const name of g.group.projections) {
      lines.push(
        '',
        name,
        `  checkpoint    next offset per partition ${checkpoint}`,
        `  lag           ${lagEvents}; ${seconds}`,
        `  newest event  ${newest}`,
        ...rebuild.map((text, i) => `  ${i === 0 ? 'rebuild' : '       '}       ${text}`),
      );
    }
  }
  lines.push(
    '',
    'Every projection is applied in one transaction per batch: they share the checkpoint and the lag in events.',
    ...r.groups
      .filter((g) => g.group.projections.length > 1)
      .map(
        (g) =>
          `${g.group.projections.join(', ')} share one version guard and are rebuilt together: ` +
          'they share every figure.',
      ),
  );
  return lines.join('\n') + '\n';
}

/** A group's running and last finished rebuild, one line each. */
function describeRebuilds(g: GroupStatus): string[] {
  const rebuild: string[] = [];
  if (g.running) {
    const state = g.running.active ? 'running' : 'interrupted (no process holds it; run it again to resume)';
    rebuild.push(
      `#${g.running.id} ${state}: checkpoint ${describeCheckpoint(g.running.checkpoint)}, ` +
        `${g.running.eventsRead} events read, started ${g.running.startedAt.toISOString()}, ` +
        `last progress ${g.running.updatedAt.toISOString()}` +
        (g.running.lastError ? `, last error: ${g.running.lastError}` : ''),
    );
  }
  if (g.lastDone) {
    const d = g.lastDone;
    const seconds = ((d.finishedAt ?? d.updatedAt).getTime() - d.startedAt.getTime()) / 1000;
    rebuild.push(
      `last #${d.id} (${d.requested}) finished ${(d.finishedAt ?? d.updatedAt).toISOString()}: ` +
        `${d.eventsRead} events in ${seconds.toFixed(1)} s, up to ${describeCheckpoint(d.checkpoint)}`,
    );
  }
  if (rebuild.length === 0) rebuild.push('never rebuilt');
  return rebuild;
}
