import 'reflect-metadata';
import { createHttpApp, listen } from '@cqrs-bank/platform';
import { QueryServiceModule } from './query-service.module.js';

const app = await createHttpApp(QueryServiceModule, { title: 'cqrs-bank query-service' });
await listen(app);
