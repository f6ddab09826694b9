import { Module } from '@nestjs/common';
import { VipReportController } from './vip-report.controller.js';
import { VipReportRepository } from './vip-report.repository.js';

/** Staff reports over the read models. */
@Module({
  controllers: [VipReportController],
  providers: [VipReportRepository],
})
export class ReportsModule {}
