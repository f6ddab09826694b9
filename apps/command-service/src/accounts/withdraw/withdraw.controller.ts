import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Command, type CommandContext } from '../../commands/command-context.js';
import { sendResult } from '../../commands/send-result.js';
import { AccountResponse } from '../account.response.js';
import { WithdrawDto } from './withdraw.dto.js';
import { WithdrawMoney } from './withdraw.command.js';

@ApiTags('accounts')
@ApiBearerAuth()
@Controller()
export class WithdrawController {
  constructor(private readonly commands: CommandBus) {}

  @Post('withdraw')
  @HttpCode(200)
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiOkResponse({ type: AccountResponse })
  async withdraw(
    @Body() dto: WithdrawDto,
    @Command() ctx: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendResult(reply, await this.commands.execute(new WithdrawMoney(dto.accountId, dto.amount, ctx)));
  }
}
