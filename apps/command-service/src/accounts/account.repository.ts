import { Injectable } from '@nestjs/common';
import {
  ACCOUNT_EVENT_SCHEMA_VERSIONS,
  ACCOUNT_SNAPSHOT_SCHEMA_VERSION,
  ACCOUNT_STREAM_TYPE,
  accountFromSnapshot,
  accountStreamId,
  accountToSnapshot,
  evolve,
  initialAccountState,
  parseAccountEvent,
  type AccountEvent,
  type AccountState,
} from '@cqrs-bank/banking';
import {
  PersonalDataErased,
  PersonalDataVault,
  PostgresEventStore,
  type EventMetadata,
  type IdempotencyRecord,
  type NewEvent,
  type OutboxMessage,
} from '@cqrs-bank/event-store';
import { ProblemError } from '@cqrs-bank/platform';
import { randomUUID } from 'node:crypto';
import { CommandServiceConfig } from '../command-service.config.js';
import { publicMessages } from './public-messages.js';

/**
 * Loads and saves Account aggregates through the event store: latest
 * snapshot + later events, and appends with their outbox messages and (every
 * SNAPSHOT_EVERY events) a snapshot, in one transaction.
 *
 * A bounded in-memory cache of recently used states saves the read on the
 * next command; it is only ever a starting point for a decision — the
 * append's expected-version check still guards it, and a conflict evicts it.
 */
@Injectable()
export class AccountRepository {
  private readonly cache = new Map<string, AccountState>();

  constructor(
    private readonly store: PostgresEventStore,
    private readonly vault: PersonalDataVault,
    private readonly config: CommandServiceConfig,
  ) {}

  async load(accountId: string): Promise<AccountState> {
    const cached = this.cache.get(accountId);
    if (cached) {
      // Refresh its place in the LRU order.
      this.cache.delete(accountId);
      this.cache.set(accountId, cached);
      return cached;
    }
    return this.store.foldStream<AccountState>(
      accountStreamId(accountId),
      {
        initial: initialAccountState,
        fromSnapshot: (state) => accountFromSnapshot(state),
        apply: (state, event) => evolve(state, parseAccountEvent(event)),
      },
      ACCOUNT_SNAPSHOT_SCHEMA_VERSION,
    );
  }

  /**
   * Appends `events` decided on `state`. Resolves with the new state; rejects
   * with ConcurrencyError or IdempotencyKeyTaken from the store.
   */
  async save(
    state: AccountState,
    events: AccountEvent[],
    metadata: EventMetadata,
    idempotency?: IdempotencyRecord,
  ): Promise<AccountState> {
    const after = events.reduce(evolve, state);
    if (after.status === 'none') throw new Error('an account stream cannot end up without AccountOpened');
    const newEvents: NewEvent[] = events.map((e) => ({
      eventId: randomUUID(),
      type: e.type,
      schemaVersion: ACCOUNT_EVENT_SCHEMA_VERSIONS[e.type],
      data: e.data,
      metadata,
    }));
    const outbox: OutboxMessage[] = publicMessages(state, events, newEvents, new Date().toISOString());
    const every = this.config.SNAPSHOT_EVERY;
    const snapshotDue = Math.floor(after.version / every) > Math.floor(state.version / every);
    try {
      await this.store.append({
        streamId: accountStreamId(after.accountId),
        streamType: ACCOUNT_STREAM_TYPE,
        expectedVersion: state.version,
        // Personal data is stored only sealed (SPEC §8); the internal topic copies the stored form.
        events: await this.sealPersonalData(newEvents),
        outbox,
        snapshot: snapshotDue
          ? {
              version: after.version,
              schemaVersion: ACCOUNT_SNAPSHOT_SCHEMA_VERSION,
              state: accountToSnapshot(after),
            }
          : undefined,
        idempotency,
      });
    } catch (err) {
      this.cache.delete(after.accountId);
      throw err;
    }
    this.remember(after.accountId, after);
    return after;
  }

  private async sealPersonalData(events: NewEvent[]): Promise<NewEvent[]> {
    try {
      return await this.vault.sealEvents(events);
    } catch (err) {
      if (err instanceof PersonalDataErased) {
        throw new ProblemError(
          'PERSONAL_DATA_ERASED',
          "This customer's personal data was erased; open accounts for it under a new customer id",
        );
      }
      throw err;
    }
  }

  forget(accountId: string): void {
    this.cache.delete(accountId);
  }

  private remember(accountId: string, state: AccountState): void {
    const max = this.config.AGGREGATE_CACHE_SIZE;
    if (max === 0) return;
    this.cache.delete(accountId);
    this.cache.set(accountId, state);
    if (this.cache.size > max) this.cache.delete(this.cache.keys().next().value!);
  }
}
