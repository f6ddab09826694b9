import { Controller, HttpCode, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Command, type CommandContext } from '../../commands/command-context.js';
import { sendResult } from '../../commands/send-result.js';
import { CloseAccount } from './close-account.command.js';

@ApiTags('accounts')
@ApiBearerAuth()
@Controller()
export class CloseAccountController {
  constructor(private readonly commands: CommandBus) {}

  /** Closes an account whose balance is 0 (422 ACCOUNT_NOT_EMPTY otherwise). */
  @Post('accounts/:id/close')
  @HttpCode(200)
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiOkResponse({ schema: { properties: { accountId: { type: 'string' }, version: { type: 'integer' } } } })
  async close(
    @Param('id', new ParseUUIDPipe({ version: 'all' })) accountId: string,
    @Command() ctx: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendResult(reply, await this.commands.execute(new CloseAccount(accountId, ctx)));
  }
}
