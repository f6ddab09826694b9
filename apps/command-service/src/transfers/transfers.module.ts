import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AccountsModule } from '../accounts/accounts.module.js';
import { RequestTransferController } from './request-transfer/request-transfer.controller.js';
import { RequestTransferHandler } from './request-transfer/request-transfer.handler.js';
import { TransferRepository } from './transfer.repository.js';
import { TransferProcessManager } from './transfer-saga/transfer-process-manager.js';
import { TransferSagaConsumer } from './transfer-saga/transfer-saga.consumer.js';

/** Transfers (SPEC §9): the request, and the process manager that moves the money. */
@Module({
  imports: [CqrsModule, AccountsModule],
  controllers: [RequestTransferController],
  providers: [TransferRepository, RequestTransferHandler, TransferProcessManager, TransferSagaConsumer],
})
export class TransfersModule {}
