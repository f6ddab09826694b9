import { BaseConfig } from '@cqrs-bank/platform';

/** cqrs-bank outbox-relay settings; see README.md for every variable and its default. */
export class OutboxRelayConfig extends BaseConfig {
  override PORT: number = 3003;
}
