import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  CUSTOMER_EVENT_SCHEMA_VERSIONS,
  CUSTOMER_STREAM_TYPE,
  customerStreamId,
  decideErasePersonalData,
  evolveCustomer,
  initialCustomerState,
  parseCustomerEvent,
} from '@cqrs-bank/banking';
import { ConcurrencyError, PostgresEventStore } from '@cqrs-bank/event-store';
import { ProblemError } from '@cqrs-bank/platform';
import { randomUUID } from 'node:crypto';
import { CommandServiceConfig } from '../../command-service.config.js';
import { ErasePersonalData } from './erase-personal-data.command.js';
import { TracedCommand } from '../../commands/traced-command.js';

/**
 * Load the customer stream → decide → append the erasure together with the
 * destruction of the data key (`erasePersonalDataOf`), in one transaction. A
 * concurrent erasure of the same customer wins the stream version; this one
 * then reads it and decides nothing.
 */
@CommandHandler(ErasePersonalData)
export class ErasePersonalDataHandler implements ICommandHandler<ErasePersonalData, { erased: boolean }> {
  constructor(
    private readonly store: PostgresEventStore,
    private readonly config: CommandServiceConfig,
  ) {}

  @TracedCommand()
  async execute({ ownerId, context }: ErasePersonalData): Promise<{ erased: boolean }> {
    const streamId = customerStreamId(ownerId);
    for (let attempt = 0; attempt <= this.config.COMMAND_MAX_RETRIES; attempt++) {
      const state = (await this.store.readStream(streamId))
        .map(parseCustomerEvent)
        .reduce(evolveCustomer, initialCustomerState());
      const events = decideErasePersonalData(ownerId, state);
      if (events.length === 0) return { erased: false };
      try {
        await this.store.append({
          streamId,
          streamType: CUSTOMER_STREAM_TYPE,
          expectedVersion: state.version,
          events: events.map((e) => ({
            eventId: randomUUID(),
            type: e.type,
            schemaVersion: CUSTOMER_EVENT_SCHEMA_VERSIONS[e.type],
            data: e.data,
            metadata: {
              correlationId: context.correlationId,
              causationId: context.commandId,
              actor: context.actor.sub,
            },
          })),
          erasePersonalDataOf: ownerId,
        });
        return { erased: true };
      } catch (err) {
        if (!(err instanceof ConcurrencyError)) throw err;
      }
    }
    throw new ProblemError(
      'CONCURRENCY_CONFLICT',
      'The customer kept changing concurrently; retry the request',
    );
  }
}
