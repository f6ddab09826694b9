#!/usr/bin/env node
// npm run infra:up | infra:down | infra:status — local Postgres and Kafka without Docker.
import { ensurePostgres, postgresStatus, stopPostgres } from './postgres.mjs';
import { ensureKafka, kafkaStatus, stopKafka } from './kafka.mjs';

const log = (msg) => console.log(`[infra] ${msg}`);
const command = process.argv[2] ?? 'status';

try {
  switch (command) {
    case 'up': {
      const [databaseUrl, brokers] = await Promise.all([ensurePostgres({ log }), ensureKafka({ log })]);
      log(`DATABASE_URL=${databaseUrl}`);
      log(`KAFKA_BROKERS=${brokers}`);
      break;
    }
    case 'down':
      await Promise.all([stopKafka({ log }), stopPostgres({ log })]);
      log('local infrastructure stopped (anything not started by infra/ was left alone)');
      break;
    case 'status': {
      const [pgs, ks] = await Promise.all([postgresStatus(), kafkaStatus()]);
      log(
        `postgres: ${pgs.up ? 'up' : 'down'} ${pgs.url}${pgs.managed ? ' (embedded, .local/postgres)' : ''}`,
      );
      log(`kafka:    ${ks.up ? 'up' : 'down'} ${ks.brokers}${ks.managed ? ' (local, .local/kafka)' : ''}`);
      process.exitCode = pgs.up && ks.up ? 0 : 1;
      break;
    }
    default:
      console.error('usage: node infra/cli.mjs up|down|status');
      process.exitCode = 2;
  }
} catch (err) {
  console.error(`[infra] ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
}
