import { ACCOUNT_STREAM_TYPE, TRANSFER_STREAM_TYPE } from '@cqrs-bank/banking';
import { LIVE_TABLES, tablesOf, TRANSFER_STATUS_TABLE } from '../projections/read-model-tables.js';

/** The projections `projections:rebuild` and `projections:status` know, by name. */
export const PROJECTION_NAMES = ['balance', 'history', 'monthly-summary', 'transfer-status'] as const;
export type ProjectionName = (typeof PROJECTION_NAMES)[number];

/** What `projections:rebuild <name>` accepts: one projection, or `all`. */
export const REBUILD_TARGETS = [...PROJECTION_NAMES, 'all'] as const;
export type RebuildTarget = (typeof REBUILD_TARGETS)[number];

export function isRebuildTarget(name: string): name is RebuildTarget {
  return (REBUILD_TARGETS as readonly string[]).includes(name);
}

/**
 * Read models that are rebuilt, and swapped in, together: what a rebuild
 * needs to know about their tables. How events are applied to them is the
 * group's ShadowWriter (shadow-writers.ts).
 */
export interface ReadModelGroup {
  /** Names the group in `projection_rebuilds.read_models`. */
  readonly key: 'account' | 'transfer';
  readonly projections: readonly ProjectionName[];
  /** The live tables, in the one order every lock on them is taken in. */
  readonly tables: readonly string[];
  /**
   * The table whose rows carry the stream version that guards the whole
   * group (one row per stream, `version` and `updated_at` columns), its key
   * column, and the type of those streams.
   */
  readonly guard: { readonly table: string; readonly key: string; readonly streamType: string };
  /**
   * Live tables whose primary key the replay itself uses (the version
   * look-up, ON CONFLICT, UPDATE … WHERE key): their shadows get it up front.
   * Every other index is built once the replay has filled the shadow tables.
   */
  readonly keyedDuringReplay: readonly string[];
  /** Second half of the session advisory lock that lets one rebuild of the group run at a time. */
  readonly lockKey: number;
}

/**
 * balance, history and monthly-summary share ONE idempotency guard: the
 * version in `account_balance`. The projector applies event v of an account
 * to all three only when the balance row is at v − 1, and skips it otherwise.
 * A history rebuilt alone and swapped under an unchanged balance table would
 * hold entries the balance has not reached (the projector's next insert of
 * that version would collide) or miss entries the balance has passed (the
 * projector would never write them); a monthly summary is a running sum with
 * no version of its own. So any of the three is rebuilt by rebuilding all
 * three into shadow tables from the same events in the same transactions and
 * swapping them in one transaction: the guard and what it guards stay in step.
 */
export const ACCOUNT_READ_MODELS: ReadModelGroup = Object.freeze<ReadModelGroup>({
  key: 'account',
  projections: ['balance', 'history', 'monthly-summary'],
  tables: tablesOf(LIVE_TABLES),
  guard: { table: LIVE_TABLES.balance, key: 'account_id', streamType: ACCOUNT_STREAM_TYPE },
  keyedDuringReplay: [LIVE_TABLES.balance, LIVE_TABLES.monthlySummary],
  lockKey: 1,
});

/** `transfer_status` guards itself: each row carries its transfer stream's version. */
export const TRANSFER_READ_MODELS: ReadModelGroup = Object.freeze<ReadModelGroup>({
  key: 'transfer',
  projections: ['transfer-status'],
  tables: [TRANSFER_STATUS_TABLE],
  guard: { table: TRANSFER_STATUS_TABLE, key: 'transfer_id', streamType: TRANSFER_STREAM_TYPE },
  keyedDuringReplay: [TRANSFER_STATUS_TABLE],
  lockKey: 2,
});

/** Every group, in the order `all` rebuilds them. */
export const READ_MODEL_GROUPS: readonly ReadModelGroup[] = [ACCOUNT_READ_MODELS, TRANSFER_READ_MODELS];

/** The groups a requested name rebuilds: the one holding that projection, or every group for `all`. */
export function groupsOf(target: RebuildTarget): ReadModelGroup[] {
  if (target === 'all') return [...READ_MODEL_GROUPS];
  return READ_MODEL_GROUPS.filter((g) => g.projections.includes(target));
}

/** First half of the advisory lock key (two-int form, so it never meets the projector's per-account keys). */
export const REBUILD_LOCK_CLASS = 0x52424c44;
