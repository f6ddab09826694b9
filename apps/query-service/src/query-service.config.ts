import { BaseConfig } from '@cqrs-bank/platform';

/** cqrs-bank query-service settings; see README.md for every variable and its default. */
export class QueryServiceConfig extends BaseConfig {
  override PORT: number = 3001;
}
