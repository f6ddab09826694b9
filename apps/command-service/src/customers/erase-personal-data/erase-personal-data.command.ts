import { Command } from '@nestjs/cqrs';
import type { CommandContext } from '../../commands/command-context.js';

/** Destroy a customer's data key and record it (SPEC §8). Resolves with whether this call erased. */
export class ErasePersonalData extends Command<{ erased: boolean }> {
  constructor(
    readonly ownerId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}
