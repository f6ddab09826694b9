// `npm run migrate`: applies every pending migration, then exits.
import 'reflect-metadata';
import { BaseConfig, dataSourceOptions, loadConfig, runMigrationsLocked } from '@cqrs-bank/platform';
import { DataSource } from 'typeorm';
import { migrations } from './migrations/index.js';

const config = loadConfig(BaseConfig);
const dataSource = new DataSource(dataSourceOptions(config, { appName: 'migrate', migrations }));
await dataSource.initialize();
try {
  const applied = await runMigrationsLocked(dataSource);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
} finally {
  await dataSource.destroy();
}
