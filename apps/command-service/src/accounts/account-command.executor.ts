import { Injectable } from '@nestjs/common';
import { AccountNotFound, evolve, type AccountEvent, type AccountState } from '@cqrs-bank/banking';
import {
  ConcurrencyError,
  IdempotencyKeyTaken,
  PostgresEventStore,
  type IdempotencyRecord,
} from '@cqrs-bank/event-store';
import { canActOnOwner, MetricsRegistry, ProblemError } from '@cqrs-bank/platform';
import { Counter } from 'prom-client';
import { CommandServiceConfig } from '../command-service.config.js';
import {
  eventMetadata,
  replayFirstAnswer,
  type CommandContext,
  type CommandResult,
} from '../commands/command-context.js';
import { KeyedMutex } from '../commands/keyed-mutex.js';
import { AccountRepository } from './account.repository.js';

export interface AccountCommandSpec {
  accountId: string;
  context: CommandContext;
  /** HTTP status of a successful first execution. */
  status: number;
  /** The pure decision (libs/banking); throws a DomainError to refuse. */
  decide: (state: AccountState) => AccountEvent[];
  /** The response body, from the state after the new events. */
  respond: (state: AccountState) => unknown;
  /** May the caller act on this (existing) account? Default: its owner or staff. */
  authorize?: (state: AccountState) => void;
}

/**
 * Load → decide → append for one account, the way every account command runs:
 * - an Idempotency-Key replays the first answer (same status and body) or, for
 *   another request, fails with IDEMPOTENCY_KEY_REUSED; the record is written in
 *   the command's own transaction, so a duplicate in flight cannot run twice;
 * - commands on one account are serialized inside this process, and a
 *   conflict with another process is retried with jitter, then answered 409;
 * - a customer who does not own the account is told it does not exist (404).
 */
@Injectable()
export class AccountCommandExecutor {
  private readonly mutex = new KeyedMutex();
  private readonly retries: Counter<'outcome'>;

  constructor(
    private readonly repository: AccountRepository,
    private readonly store: PostgresEventStore,
    private readonly config: CommandServiceConfig,
    metrics: MetricsRegistry,
  ) {
    this.retries = new Counter({
      name: 'command_concurrency_conflicts_total',
      help: 'Commands that lost an optimistic-concurrency race, by outcome (retried or gave up)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
  }

  async execute(spec: AccountCommandSpec): Promise<CommandResult> {
    const { context } = spec;
    if (context.idempotencyKey) {
      const first = await this.store.findIdempotencyRecord(context.actor.sub, context.idempotencyKey);
      if (first) return replayFirstAnswer(first, context);
    }
    return this.mutex.run(spec.accountId, () => this.run(spec));
  }

  private async run(spec: AccountCommandSpec): Promise<CommandResult> {
    const { context } = spec;
    for (let attempt = 0; ; attempt++) {
      const state = await this.repository.load(spec.accountId);
      (spec.authorize ?? defaultAuthorize(context))(state);
      const events = spec.decide(state);
      const metadata = eventMetadata(context);
      // The answer is known before the append: it is stored with the events.
      const preview = previewState(state, events);
      const body = spec.respond(preview);
      const idempotency: IdempotencyRecord | undefined = context.idempotencyKey
        ? {
            scope: context.actor.sub,
            key: context.idempotencyKey,
            requestHash: context.requestHash,
            statusCode: spec.status,
            response: body,
          }
        : undefined;
      try {
        await this.repository.save(state, events, metadata, idempotency);
        return { status: spec.status, body, replayed: false };
      } catch (err) {
        if (err instanceof ConcurrencyError) {
          if (attempt < this.config.COMMAND_MAX_RETRIES) {
            this.retries.inc({ outcome: 'retried' });
            await sleep(jitter(attempt));
            continue;
          }
          this.retries.inc({ outcome: 'gave_up' });
          throw new ProblemError(
            'CONCURRENCY_CONFLICT',
            'The account kept changing concurrently; retry the request',
          );
        }
        if (err instanceof IdempotencyKeyTaken) {
          const first = await this.store.findIdempotencyRecord(err.scope, err.key);
          if (first) return replayFirstAnswer(first, context);
        }
        throw err;
      }
    }
  }
}

function defaultAuthorize(context: CommandContext) {
  return (state: AccountState) => {
    if (state.status !== 'none' && !canActOnOwner(context.actor, state.ownerId)) {
      throw new AccountNotFound(state.accountId);
    }
  };
}

function previewState(state: AccountState, events: AccountEvent[]): AccountState {
  return events.reduce(evolve, state);
}

function jitter(attempt: number): number {
  const base = Math.min(100, 5 * 2 ** attempt);
  return base / 2 + Math.random() * base;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
