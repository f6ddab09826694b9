import {
  LIVE_TABLES,
  OLD_TABLES,
  SHADOW_TABLES,
  type AccountReadModelTables,
} from '../projections/read-model-tables.js';

/** The projections `projections:rebuild` and `projections:status` know, by name. */
export const PROJECTION_NAMES = ['balance', 'history', 'monthly-summary'] as const;
export type ProjectionName = (typeof PROJECTION_NAMES)[number];

/** What `projections:rebuild <name>` accepts: one projection, or `all`. */
export const REBUILD_TARGETS = [...PROJECTION_NAMES, 'all'] as const;
export type RebuildTarget = (typeof REBUILD_TARGETS)[number];

export function isRebuildTarget(name: string): name is RebuildTarget {
  return (REBUILD_TARGETS as readonly string[]).includes(name);
}

/** Read models that are rebuilt, and swapped in, together. */
export interface ReadModelGroup {
  /** Names the group in `projection_rebuilds.read_models`. */
  readonly key: string;
  readonly projections: readonly ProjectionName[];
  readonly live: AccountReadModelTables;
  readonly shadow: AccountReadModelTables;
  readonly old: AccountReadModelTables;
  /**
   * Live tables whose primary key the replay itself uses (the version
   * look-up, ON CONFLICT): their shadows get it up front. Every other index
   * is built once the replay has filled the shadow tables.
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
export const ACCOUNT_READ_MODELS: ReadModelGroup = Object.freeze({
  key: 'account',
  projections: PROJECTION_NAMES,
  live: LIVE_TABLES,
  shadow: SHADOW_TABLES,
  old: OLD_TABLES,
  keyedDuringReplay: [LIVE_TABLES.balance, LIVE_TABLES.monthlySummary],
  lockKey: 1,
});

/** The group a requested name rebuilds (every projection here is an account read model). */
export function groupOf(_target: RebuildTarget): ReadModelGroup {
  return ACCOUNT_READ_MODELS;
}

/** First half of the advisory lock key (two-int form, so it never meets the projector's per-account keys). */
export const REBUILD_LOCK_CLASS = 0x52424c44;
