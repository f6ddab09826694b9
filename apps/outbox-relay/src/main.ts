import 'reflect-metadata';
import { createHttpApp, listen } from '@cqrs-bank/platform';
import { OutboxRelayModule } from './outbox-relay.module.js';

const app = await createHttpApp(OutboxRelayModule, { title: 'cqrs-bank outbox-relay' });
await listen(app);
