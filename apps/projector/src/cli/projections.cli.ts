import { ACCOUNT_UPCASTERS, PERSONAL_DATA_FIELDS } from '@cqrs-bank/banking';
import { TOPICS } from '@cqrs-bank/contracts';
import {
  createEventStorePool,
  createPersonalDataVault,
  PostgresEventStore,
  UpcasterRegistry,
} from '@cqrs-bank/event-store';
import { createKafka } from '@cqrs-bank/messaging';
import { loadConfig } from '@cqrs-bank/platform';
import { ProjectorConfig } from '../projector.config.js';
import { describeCheckpoint } from '../rebuild/rebuild-journal.js';
import {
  ProjectionRebuilder,
  RebuildError,
  RebuildInterrupted,
  type RebuildResult,
} from '../rebuild/projection-rebuilder.js';
import { groupsOf, type ReadModelGroup, type RebuildTarget } from '../rebuild/rebuild-targets.js';
import { formatStatus, projectionStatus } from '../status/projection-status.js';
import { EXIT, type CliCommand } from './cli-args.js';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Aborted on SIGINT/SIGTERM: a rebuild stops after the batch in hand, resumable. */
  signal?: AbortSignal;
}

/** Runs one parsed CLI command; resolves with the process exit code. */
export async function runCommand(command: CliCommand, io: CliIo): Promise<number> {
  try {
    const config = loadConfig(ProjectorConfig);
    return command.name === 'projections:rebuild'
      ? await rebuild(config, command.target, command.restart, io)
      : await status(config, io);
  } catch (err) {
    io.err(`${command.name} failed: ${oneLine(err)}\n`);
    return EXIT.failed;
  }
}

async function rebuild(
  config: ProjectorConfig,
  target: RebuildTarget,
  restart: boolean,
  io: CliIo,
): Promise<number> {
  const groups = groupsOf(target);
  const pool = createEventStorePool(config, 'projector-cli', 12);
  const upcasters = new UpcasterRegistry();
  for (const u of ACCOUNT_UPCASTERS) upcasters.register(u.type, u.fromVersion, u.upcast);
  const store = new PostgresEventStore(pool, { internalTopic: TOPICS.ledgerInternal, upcasters });
  // Owner names are opened with the configured master key, "[erased]" once erased (SPEC §8).
  const vault = createPersonalDataVault(pool, config, PERSONAL_DATA_FIELDS);
  io.out(`rebuilding ${groups.map((g) => describeGroup(g, target)).join('; then ')}\n`);
  let lastReport = Date.now();
  let readAtStart = 0;
  let startedAt = Date.now();
  try {
    const results = await new ProjectionRebuilder(pool, store, upcasters, vault).rebuild({
      target,
      restart,
      signal: io.signal,
      onStart: ({ group, rebuildId, resumed, checkpoint, eventsRead }) => {
        readAtStart = eventsRead;
        startedAt = Date.now();
        const names = group.projections.join(', ');
        io.out(
          resumed
            ? `resuming rebuild #${rebuildId} from ${describeCheckpoint(checkpoint)} (${names})\n`
            : `rebuild #${rebuildId}: replaying the event store from ${describeCheckpoint(checkpoint)} into shadow tables (${names})\n`,
        );
      },
      onProgress: (p) => {
        if (Date.now() - lastReport < 2000) return;
        lastReport = Date.now();
        const rate = (p.eventsRead - readAtStart) / Math.max((Date.now() - startedAt) / 1000, 0.001);
        io.out(
          `  ${count(p.eventsRead)} events read (${count(rate)} events/s), at ${describeCheckpoint(p.checkpoint)}\n`,
        );
      },
    });
    for (const result of results) io.out(summary(result));
    return EXIT.ok;
  } catch (err) {
    if (err instanceof RebuildInterrupted) {
      io.err(`${err.message}; run the same command again to resume\n`);
      return EXIT.interrupted;
    }
    if (err instanceof RebuildError) {
      io.err(`projections:rebuild refused: ${err.message}\n`);
      return EXIT.failed;
    }
    throw err;
  } finally {
    await pool.end().catch(() => undefined);
  }
}

/** A group as the rebuild's first line names it, saying why more than the name asked for is rebuilt. */
function describeGroup(group: ReadModelGroup, target: RebuildTarget): string {
  const names = group.projections.join(', ');
  if (target === 'all' || group.projections.length === 1) return names;
  const together = group.projections.filter((p) => p !== target);
  return `${names} (${target} shares one version guard with ${together.join(' and ')}: they are rebuilt together)`;
}

function summary(r: RebuildResult): string {
  const rate = r.eventsReadThisRun / Math.max(r.seconds, 0.001);
  return (
    `swapped in ${r.projections.join(', ')} (rebuild #${r.rebuildId}${r.resumed ? ', resumed' : ''}): ` +
    `${count(r.eventsRead)} events read, ${count(r.eventsApplied)} applied; ` +
    `this run ${count(r.eventsReadThisRun)} events in ${r.seconds.toFixed(1)} s (${count(rate)} events/s)\n` +
    `  phases: prepare ${r.phases.prepare.toFixed(1)} s, replay ${r.phases.replay.toFixed(1)} s, ` +
    `indexes ${r.phases.indexes.toFixed(1)} s, swap ${r.phases.swap.toFixed(1)} s\n` +
    `  swap: live tables locked ${r.swap.lockedMs.toFixed(0)} ms (attempt ${r.swap.attempts}), ` +
    `${count(r.swap.caughtUp)} events applied under the lock` +
    (r.swap.settled ? '' : `, ${count(r.swap.patchedStreams)} ${r.group}s caught up from their streams`) +
    `; checkpoint ${describeCheckpoint(r.checkpoint)}\n` +
    (r.oldTablesDropped
      ? ''
      : '  the swapped-out tables (…__old) are still in use; the next rebuild drops them\n')
  );
}

async function status(config: ProjectorConfig, io: CliIo): Promise<number> {
  const pool = createEventStorePool(config, 'projector-cli', 4);
  const store = new PostgresEventStore(pool, { internalTopic: TOPICS.ledgerInternal });
  const kafka = createKafka(`${config.KAFKA_CLIENT_ID ?? 'projector'}-cli`, config.kafkaBrokers);
  try {
    const report = await projectionStatus(pool, store, kafka, {
      consumerGroup: config.PROJECTOR_GROUP_ID,
      topic: TOPICS.ledgerInternal,
      kafkaTimeoutMs: Math.max(config.KAFKA_REQUEST_TIMEOUT_MS, 5000),
    });
    io.out(formatStatus(report));
    if (report.kafkaError !== undefined) {
      io.err(`projections:status incomplete: Kafka lag unknown (${oneLine(report.kafkaError)})\n`);
      return EXIT.failed;
    }
    return EXIT.ok;
  } finally {
    await pool.end().catch(() => undefined);
  }
}

function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s+/g, ' ').trim();
}
