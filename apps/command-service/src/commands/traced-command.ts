import { inSpan, isTracing } from '@cqrs-bank/platform';
import type { CommandContext } from './command-context.js';

/**
 * Runs a command handler's `execute` in a span `command <CommandClass>` (when
 * TRACING is on): a child of the request's (or the transfer process
 * manager's) span, parent of the event-store append and so of the trace
 * context its outbox rows carry. With tracing off the handler runs as is.
 */
export function TracedCommand() {
  return <C extends { context?: CommandContext }, R>(
    _target: object,
    _method: string | symbol,
    descriptor: TypedPropertyDescriptor<(command: C) => Promise<R>>,
  ): void => {
    const execute = descriptor.value!;
    descriptor.value = function (this: unknown, command: C): Promise<R> {
      if (!isTracing()) return execute.call(this, command);
      const { context } = command;
      return inSpan(
        `command ${command.constructor.name}`,
        {
          attributes: {
            'cqrs_bank.command.name': command.constructor.name,
            ...(context
              ? {
                  'cqrs_bank.command.id': context.commandId,
                  'cqrs_bank.correlation_id': context.correlationId,
                }
              : {}),
          },
        },
        async (span) => {
          const result = await execute.call(this, command);
          const replayed = (result as { replayed?: unknown } | undefined)?.replayed;
          if (typeof replayed === 'boolean') span?.setAttribute('cqrs_bank.command.replayed', replayed);
          return result;
        },
      );
    };
  };
}
