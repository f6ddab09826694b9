import 'reflect-metadata';
import { createHttpApp, listen } from '@cqrs-bank/platform';
import { CommandServiceModule } from './command-service.module.js';

const app = await createHttpApp(CommandServiceModule, { title: 'cqrs-bank command-service' });
await listen(app);
