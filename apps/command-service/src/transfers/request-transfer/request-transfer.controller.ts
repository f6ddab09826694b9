import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { Command, type CommandContext } from '../../commands/command-context.js';
import { sendResult } from '../../commands/send-result.js';
import { RequestTransferDto, TransferAcceptedResponse } from './request-transfer.dto.js';
import { RequestTransfer } from './request-transfer.command.js';

@ApiTags('transfers')
@ApiBearerAuth()
@Controller()
export class RequestTransferController {
  constructor(private readonly commands: CommandBus) {}

  @Post('transfers')
  @HttpCode(202)
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiAcceptedResponse({ type: TransferAcceptedResponse })
  async request(
    @Body() dto: RequestTransferDto,
    @Command() ctx: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const command = new RequestTransfer(randomUUID(), dto.fromAccountId, dto.toAccountId, dto.amount, ctx);
    return sendResult(reply, await this.commands.execute(command));
  }
}
