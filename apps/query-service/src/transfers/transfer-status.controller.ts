import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { canActOnOwner, CurrentActor, ProblemError, type Actor } from '@cqrs-bank/platform';
import { NoQueryParametersPipe } from '../common/no-query-parameters.pipe.js';
import { TransferStatusRepository } from './transfer-status.repository.js';
import { TransferStatusResponse, transferStatusResponse } from './transfer-status.response.js';

@ApiTags('transfers')
@ApiBearerAuth()
@Controller()
export class TransferStatusController {
  constructor(private readonly repository: TransferStatusRepository) {}

  /** A transfer's status; a customer sees only transfers from or to its own accounts. */
  @Get('transfers/:id')
  @ApiParam({ name: 'id', format: 'uuid', description: 'Transfer id' })
  @ApiOkResponse({ type: TransferStatusResponse })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED' })
  @ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED' })
  @ApiNotFoundResponse({ description: "TRANSFER_NOT_FOUND (also for other customers' transfers)" })
  async transfer(
    @Param('id', new ParseUUIDPipe({ version: 'all' })) transferId: string,
    @Query(NoQueryParametersPipe) _query: undefined,
    @CurrentActor() actor: Actor,
  ): Promise<TransferStatusResponse> {
    const transfer = await this.repository.find(transferId);
    if (!transfer || !transfer.ownerIds.some((owner) => canActOnOwner(actor, owner))) {
      throw new ProblemError('TRANSFER_NOT_FOUND', `Transfer ${transferId} not found`);
    }
    return transferStatusResponse(transfer);
  }
}
