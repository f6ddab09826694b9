import {
  ACCOUNT_STREAM_TYPE,
  accountStreamId,
  CUSTOMER_STREAM_TYPE,
  TRANSFER_STREAM_TYPE,
  transferStreamId,
} from '@cqrs-bank/banking';
import type { PersonalDataVault, PostgresEventStore, UpcasterRegistry } from '@cqrs-bank/event-store';
import type pg from 'pg';
import type { LedgerEvent } from '../ledger/ledger-event.js';
import { AccountBatchApplier } from '../projections/account-batch-applier.js';
import { SHADOW_TABLES, shadowTable, TRANSFER_STATUS_TABLE } from '../projections/read-model-tables.js';
import { TransferStatusProjection } from '../projections/transfer-status/transfer-status.projection.js';
import type { ReadModelGroup } from './rebuild-targets.js';

/**
 * How a rebuild fills one group's shadow tables: the live projector's own
 * projection code (and its exactly-once rule), pointed at the shadow tables
 * and without the live projector's per-stream advisory locks — a rebuild is
 * the only writer of its shadow tables.
 */
export interface ShadowWriter {
  /** Stream types whose events change the group; the rebuild does not even parse the others. */
  readonly streamTypes: readonly string[];
  /** Applies events inside the caller's transaction; resolves with how many changed the shadow tables (applied or caught up). */
  apply(client: pg.PoolClient, events: LedgerEvent[]): Promise<number>;
  /** The stream a row of the group's guard table follows, by its key. */
  streamOf(key: string): string;
  /** The last write under the swap's lock, just before the rename. */
  beforeSwap(client: pg.PoolClient): Promise<void>;
  /** NOTIFY payloads of the swap's transaction (see projection-notice.ts); none: nobody listens for this group. */
  readonly swapNotices: readonly string[];
}

export interface ShadowWriterDeps {
  store: PostgresEventStore;
  upcasters: UpcasterRegistry;
  vault: PersonalDataVault;
}

export function shadowWriter(group: ReadModelGroup, deps: ShadowWriterDeps): ShadowWriter {
  switch (group.key) {
    case 'account':
      return accountShadowWriter(deps);
    case 'transfer':
      return transferShadowWriter(deps);
  }
}

function accountShadowWriter({ store, upcasters, vault }: ShadowWriterDeps): ShadowWriter {
  const applier = new AccountBatchApplier(store, upcasters, vault, {
    tables: SHADOW_TABLES,
    lockAccounts: false,
  });
  return {
    // Customer streams: an erasure rewrites the owner's names.
    streamTypes: [ACCOUNT_STREAM_TYPE, CUSTOMER_STREAM_TYPE],
    async apply(client, events) {
      const outcome = await applier.apply(client, events);
      return outcome.applied + outcome.caughtUp;
    },
    streamOf: accountStreamId,
    async beforeSwap(client) {
      // The replay opened names with the keys of its time; any owner erased since
      // (its event maybe not yet readable) must not come back with the new tables.
      await applier.sweepErasedNames(client);
    },
    // Read-your-writes waiters and the balance cache re-check every account against the new tables.
    swapNotices: [''],
  };
}

function transferShadowWriter({ store, upcasters }: ShadowWriterDeps): ShadowWriter {
  const projection = new TransferStatusProjection(store, upcasters, {
    table: shadowTable(TRANSFER_STATUS_TABLE),
    lockTransfers: false,
  });
  return {
    streamTypes: [TRANSFER_STREAM_TYPE],
    async apply(client, events) {
      const outcome = await projection.apply(client, events);
      return outcome.applied + outcome.caughtUp;
    },
    streamOf: transferStreamId,
    async beforeSwap() {},
    swapNotices: [],
  };
}
