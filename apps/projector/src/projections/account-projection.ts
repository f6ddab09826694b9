import type { AccountEvent } from '@cqrs-bank/banking';
import type { WriteStatement } from './write-batch.js';

/** An account event the batch applies: the next version of its account, exactly once. */
export interface AppliedAccountEvent {
  accountId: string;
  version: number;
  eventId: string;
  event: AccountEvent;
  recordedAt: Date;
}

/** The writes of one read model for one batch: collected in memory, written in a few statements. */
export interface ProjectionWrites {
  add(applied: AppliedAccountEvent): void;
  /** The statements writing what was added (none when nothing changes this read model). */
  statements(): WriteStatement[];
}

/** A read model fed by account events (one file per read model, SPEC §10). */
export interface AccountProjection {
  readonly name: string;
  begin(): ProjectionWrites;
}
