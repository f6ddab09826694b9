import 'reflect-metadata';
import { createHttpApp, listen } from '@cqrs-bank/platform';
import { ProjectorModule } from './projector.module.js';

const app = await createHttpApp(ProjectorModule, { title: 'cqrs-bank projector' });
await listen(app);
