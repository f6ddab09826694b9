import { Controller, Delete, HttpCode, Param } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import { Roles } from '@cqrs-bank/platform';
import { Command, type CommandContext } from '../../commands/command-context.js';
import { ErasePersonalDataParams } from './erase-personal-data.params.js';
import { ErasePersonalData } from './erase-personal-data.command.js';

@ApiTags('customers')
@ApiBearerAuth()
@Controller()
export class ErasePersonalDataController {
  constructor(private readonly commands: CommandBus) {}

  /**
   * Crypto-shredding (SPEC §8): destroys the customer's data key, so its name is
   * unrecoverable everywhere; balances and histories stay. Tellers and admins
   * only. 204 whether this call erased or an earlier one had.
   */
  @Delete('customers/:ownerId/personal-data')
  @Roles('teller', 'admin')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Erased (now or before)' })
  async erase(@Param() params: ErasePersonalDataParams, @Command() ctx: CommandContext): Promise<void> {
    await this.commands.execute(new ErasePersonalData(params.ownerId, ctx));
  }
}
