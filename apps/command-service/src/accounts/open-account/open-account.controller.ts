import { Body, Controller, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { Command, type CommandContext } from '../../commands/command-context.js';
import { sendResult } from '../../commands/send-result.js';
import { AccountResponse } from '../account.response.js';
import { OpenAccountDto } from './open-account.dto.js';
import { OpenAccount } from './open-account.command.js';

@ApiTags('accounts')
@ApiBearerAuth()
@Controller()
export class OpenAccountController {
  constructor(private readonly commands: CommandBus) {}

  @Post('accounts')
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiCreatedResponse({ type: AccountResponse })
  async open(
    @Body() dto: OpenAccountDto,
    @Command() ctx: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const command = new OpenAccount(
      randomUUID(),
      dto.ownerId,
      dto.ownerName,
      dto.currency,
      dto.initialDeposit,
      ctx,
    );
    return sendResult(reply, await this.commands.execute(command));
  }
}
