import { BaseConfig } from '@cqrs-bank/platform';

/** cqrs-bank projector settings; see README.md for every variable and its default. */
export class ProjectorConfig extends BaseConfig {
  override PORT: number = 3002;
}
