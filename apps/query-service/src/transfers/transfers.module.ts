import { Module } from '@nestjs/common';
import { TransferStatusController } from './transfer-status.controller.js';
import { TransferStatusRepository } from './transfer-status.repository.js';

/** Transfer status (SPEC §9): the saga's state as the projector last saw it. */
@Module({
  controllers: [TransferStatusController],
  providers: [TransferStatusRepository],
})
export class TransfersModule {}
