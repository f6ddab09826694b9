import { CreateProjectionCheckpoints1763880000000 } from './1763880000000-create-projection-checkpoints.js';
import { CreateEventStore1763880000100 } from './1763880000100-create-event-store.js';
import { OutboxRelay1763880000200 } from './1763880000200-outbox-relay.js';
import { CreateReadModels1763880000300 } from './1763880000300-create-read-models.js';
import { ProjectionRebuilds1763880000400 } from './1763880000400-projection-rebuilds.js';
import { PersonalDataKeys1763880000550 } from './1763880000550-personal-data-keys.js';
import { DatabaseRoles1763880000600 } from './1763880000600-database-roles.js';

/** Every schema migration, oldest first. Reviewed SQL; TypeORM never synchronizes. */
export const migrations = [
  CreateProjectionCheckpoints1763880000000,
  CreateEventStore1763880000100,
  OutboxRelay1763880000200,
  CreateReadModels1763880000300,
  ProjectionRebuilds1763880000400,
  PersonalDataKeys1763880000550,
  DatabaseRoles1763880000600,
];
