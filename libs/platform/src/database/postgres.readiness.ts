import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { withTimeout, type ReadinessCheck } from '../health/readiness-check.js';

@Injectable()
export class PostgresReadiness implements ReadinessCheck {
  readonly name = 'postgres';

  constructor(private readonly dataSource: DataSource) {}

  async check(): Promise<void> {
    await withTimeout(this.dataSource.query('SELECT 1'), 2000, 'Postgres');
  }
}
