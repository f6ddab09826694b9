import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ErasePersonalDataController } from './erase-personal-data/erase-personal-data.controller.js';
import { ErasePersonalDataHandler } from './erase-personal-data/erase-personal-data.handler.js';

/** Commands about a customer rather than one account: erasing its personal data (SPEC §8). */
@Module({
  imports: [CqrsModule],
  controllers: [ErasePersonalDataController],
  providers: [ErasePersonalDataHandler],
})
export class CustomersModule {}
