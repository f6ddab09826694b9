import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_NAME, BaseConfig, JsonLogger } from '@cqrs-bank/platform';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { readModelConnection } from '../read-models/read-model-pool.js';
import { utcIsoOfMillis } from '../read-models/sql.js';

/**
 * The projector NOTIFYs this channel in every batch transaction that changed
 * account read models (apps/projector projection-notice.ts, which documents
 * the payload): one entry per changed account, comma-separated — its id, and
 * from projectors that send them its row's version, balance, status (when
 * changed) and update time as the transaction left them; empty for "any
 * account may have changed".
 */
export const PROJECTION_CHANNEL = 'account_projection_applied';

/** What a notification says changed: these accounts, or possibly any. */
export type ProjectionChange = readonly string[] | 'any';

/** An account_balance row as a notification describes it: the part a projector batch changes. */
export interface AnnouncedRow {
  version: number;
  balance: number;
  /** Absent: the batch left the status as it was. */
  status?: 'OPEN' | 'CLOSED';
  /** As the read model queries render it (see utcIso). */
  updatedAt: string;
}

/** What one notification says: which accounts changed, and the rows of those it describes. */
export interface ProjectionNotice {
  change: ProjectionChange;
  rows: ReadonlyMap<string, AnnouncedRow>;
}

/**
 * Reads a notification payload. An entry that is an id alone, or whose
 * numbers this service cannot hold exactly, names its account without a row:
 * readers then read the row from Postgres.
 */
export function projectionNotice(payload: string | undefined): ProjectionNotice {
  const rows = new Map<string, AnnouncedRow>();
  if (!payload) return { change: 'any', rows };
  const change = payload.split(',').map((entry) => {
    const [accountId, ...fields] = entry.split(':');
    const row = announcedRow(fields);
    if (row) rows.set(accountId, row);
    return accountId;
  });
  return { change, rows };
}

function announcedRow(fields: string[]): AnnouncedRow | undefined {
  if (fields.length !== 4) return undefined;
  const [version, balance, status, updatedAt] = fields;
  const numbers = [version, balance, updatedAt].map((f) => (/^-?\d+$/.test(f) ? Number(f) : NaN));
  if (!numbers.every(Number.isSafeInteger) || Math.abs(numbers[2]) > MAX_EPOCH_MILLIS) return undefined;
  if (status !== '' && status !== 'OPEN' && status !== 'CLOSED') return undefined;
  return {
    version: numbers[0],
    balance: numbers[1],
    ...(status ? { status } : {}),
    updatedAt: utcIsoOfMillis(numbers[2]),
  };
}

/** The latest instant a JS Date holds (ECMAScript: ±8.64e15 ms). */
const MAX_EPOCH_MILLIS = 8.64e15;

/** A subscriber: told of each notification (and of 'any', without rows, after each reconnect). */
export type ProjectionListener = (change: ProjectionChange, rows: ReadonlyMap<string, AnnouncedRow>) => void;

const NO_ROWS: ReadonlyMap<string, AnnouncedRow> = new Map();

const RECONNECT_DELAY_MS = 1000;

/** Where the notifications stood at some moment: how many had been heard. */
export type NotificationMark = number;

/**
 * Which accounts the notifications heard so far announced, and when: lets a
 * reader ask "was this account announced changed after I began reading?" —
 * if so its read may predate the change. Remembers the last announcement per
 * account; past `limit` accounts it forgets them all and counts that as an
 * announcement of any account (the safe answer).
 */
export class AnnouncementLog {
  private heard = 0;
  private readonly lastNamed = new Map<string, number>();
  private lastAny = 0;

  constructor(private readonly limit = 100_000) {}

  /** The mark to take before a read. */
  get mark(): NotificationMark {
    return this.heard;
  }

  record(change: ProjectionChange): void {
    this.heard += 1;
    if (change === 'any' || this.lastNamed.size + change.length > this.limit) {
      this.lastNamed.clear();
      this.lastAny = this.heard;
      return;
    }
    for (const accountId of change) this.lastNamed.set(accountId, this.heard);
  }

  /** True when a notification heard after `mark` named the account, or any account. */
  since(accountId: string, mark: NotificationMark): boolean {
    return this.lastAny > mark || (this.lastNamed.get(accountId) ?? 0) > mark;
  }
}

/**
 * LISTENs on one dedicated Postgres connection and tells subscribers each
 * time the projector committed a batch, and which accounts it changed. The
 * connection may be down (it reconnects in the background, and the app starts
 * without it): whoever waits also polls, and whoever caches trusts its cache
 * only while `listening` (after a reconnect subscribers hear 'any'). Readers
 * ask `announcedSince(account, mark)` whether a change was announced after
 * their read began.
 */
@Injectable()
export class ProjectionNotifications implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly subscribers = new Set<ProjectionListener>();
  private readonly announcements = new AnnouncementLog();
  private readonly stop = new AbortController();
  private client?: pg.Client;
  private running?: Promise<void>;

  constructor(
    private readonly config: BaseConfig,
    @Inject(APP_NAME) private readonly appName: string,
    private readonly logger: JsonLogger,
  ) {}

  /** Calls `listener` on each notification (and with 'any' after each reconnect); returns the unsubscribe. */
  subscribe(listener: ProjectionListener): () => void {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  /** Where the notifications stand now: take it before a read (see announcedSince). */
  mark(): NotificationMark {
    return this.announcements.mark;
  }

  /** True when a notification heard after `mark` announced a change of the account (or of any). */
  announcedSince(accountId: string, mark: NotificationMark): boolean {
    return this.announcements.since(accountId, mark);
  }

  /** True while notifications arrive: every change committed since reaches subscribers. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  onApplicationBootstrap(): void {
    this.running = this.listenForever();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop.abort();
    await this.client?.end().catch(() => undefined);
    await this.running;
  }

  private async listenForever(): Promise<void> {
    let failures = 0;
    while (!this.stop.signal.aborted) {
      const client = new pg.Client(readModelConnection(this.config, `${this.appName}:notifications`));
      const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
      // Errors end the connection; 'end' below handles them.
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query(`LISTEN ${PROJECTION_CHANNEL}`);
      } catch (err) {
        await client.end().catch(() => undefined);
        if (failures++ === 0) {
          this.logger.warn(
            { msg: 'cannot LISTEN for projection notifications; polling meanwhile', error: String(err) },
            'ProjectionNotifications',
          );
        }
        await this.pause();
        continue;
      }
      if (this.stop.signal.aborted) {
        await client.end().catch(() => undefined);
        break;
      }
      if (failures > 0) {
        this.logger.log({ msg: 'listening for projection notifications again' }, 'ProjectionNotifications');
      }
      failures = 0;
      client.on('notification', (message) => {
        const { change, rows } = projectionNotice(message.payload);
        this.notify(change, rows);
      });
      client.once('end', () => {
        if (this.client === client) this.client = undefined;
      });
      this.client = client;
      // Anything committed while we were not listening.
      this.notify('any');
      await ended;
      this.client = undefined;
      if (!this.stop.signal.aborted) {
        failures++;
        this.logger.warn(
          { msg: 'projection notification connection lost; reconnecting' },
          'ProjectionNotifications',
        );
        await this.pause();
      }
    }
  }

  private notify(change: ProjectionChange, rows: ReadonlyMap<string, AnnouncedRow> = NO_ROWS): void {
    this.announcements.record(change);
    for (const listener of this.subscribers) listener(change, rows);
  }

  private async pause(): Promise<void> {
    await sleep(RECONNECT_DELAY_MS, undefined, { signal: this.stop.signal }).catch(() => undefined);
  }
}
