import { Module } from '@nestjs/common';
import { AccountVersionsRepository } from './account-versions.repository.js';
import { ProjectionNotifications } from './projection-notifications.js';
import { VersionWaiter } from './version-waiter.js';

/** Waiting for the projection to reach a version (SPEC §4 read-your-writes). */
@Module({
  providers: [AccountVersionsRepository, ProjectionNotifications, VersionWaiter],
  exports: [VersionWaiter, ProjectionNotifications],
})
export class ReadYourWritesModule {}
