/** Kafka topics of the public contract (SPEC §7). Breaking changes go to a new `.v2` topic. */
export const TOPICS = {
  /** Public integration events, keyed by account id; no personal data. */
  accountEvents: 'bank.account-events.v1',
  /** Full internal events for the projector, keyed by stream id. */
  ledgerInternal: 'bank.ledger.internal.v1',
  /** Messages the projector could not apply, with the error. */
  projectorDlq: 'bank.projector.dlq.v1',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];
