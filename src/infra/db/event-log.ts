import type { Knex } from 'knex';
import type { DomainEvent } from '../../domain/domain-event';
import type { EventLog, EventMetadata } from '../../ports/event-log.port';
import type { EventLogReader, ReadEventsOptions, StoredEvent } from '../../ports/event-log.port';
import { iso } from './payment.repository';

/** Any fixed number: the advisory lock that orders writers of the event log. */
const EVENT_LOG_LOCK = 0x41_4c_50_45;

/**
 * The PostgreSQL channel every committed append is announced on (payload: the last position, as
 * text). Listeners treat it as a wake-up only and read the log itself: payloads can be coalesced,
 * and a listener that was disconnected misses them altogether.
 */
export const EVENTS_CHANNEL = 'alpes_events';

interface EventRow {
  position: number | string;
  id: string;
  type: string;
  aggregate_type: string;
  aggregate_id: string;
  partner_id: string | null;
  data: Record<string, unknown> | string;
  workflow_id: string | null;
  run_id: string | null;
  occurred_at: Date | string;
}

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    position: Number(row.position),
    id: row.id,
    type: row.type,
    occurredAt: iso(row.occurred_at),
    aggregate: { type: row.aggregate_type, id: row.aggregate_id },
    partnerId: row.partner_id,
    data: typeof row.data === 'string' ? (JSON.parse(row.data) as Record<string, unknown>) : row.data,
    workflowId: row.workflow_id,
    runId: row.run_id,
  };
}

/**
 * Appends events inside the caller's transaction. Positions are taken under a transaction-scoped
 * advisory lock held until commit, so position order is commit order and a resuming reader never
 * skips. The price is that event-writing transactions serialise on their final statement.
 */
export class KnexEventLog implements EventLog {
  constructor(private readonly trx: Knex.Transaction) {}

  async has(eventId: string): Promise<boolean> {
    return (await this.trx('events').where({ id: eventId }).first('id')) !== undefined;
  }

  async append(events: DomainEvent[], meta: EventMetadata): Promise<void> {
    if (events.length === 0) return;
    // The lock is its own statement: the next one's snapshot (READ COMMITTED takes one per
    // statement) must see every event committed by whoever held it before us.
    await this.trx.raw('select pg_advisory_xact_lock(?)', [EVENT_LOG_LOCK]);
    const rows = events.map((e, i) => ({
      ord: i + 1,
      id: e.id,
      type: e.type,
      aggregate_type: e.aggregate.type,
      aggregate_id: e.aggregate.id,
      partner_id: e.partnerId,
      data: e.data,
      workflow_id: meta.workflowId,
      run_id: meta.runId,
      occurred_at: e.occurredAt,
    }));
    // Positions after the last one, the rows and the notification in one round trip. pg_notify is
    // queued by PostgreSQL and delivered only if this transaction commits, so a listener can never
    // be woken for positions that are not yet visible. PGlite accepts the call and delivers nothing
    // out of process: the embedded mode wakes readers through KnexUnitOfWork.onCommit instead.
    await this.trx.raw(
      `with last as (select coalesce(max(position), 0) as p from events),
       added as (
         insert into events (position, id, type, aggregate_type, aggregate_id, partner_id, data,
                             workflow_id, run_id, occurred_at)
         select last.p + r.ord, r.id, r.type, r.aggregate_type, r.aggregate_id, r.partner_id, r.data,
                r.workflow_id, r.run_id, r.occurred_at
         from last, jsonb_to_recordset(?::jsonb) as r(
           ord int, id uuid, type text, aggregate_type text, aggregate_id text, partner_id text,
           data jsonb, workflow_id text, run_id text, occurred_at timestamptz)
         returning position)
       select pg_notify(?, (select max(position) from added)::text)`,
      [JSON.stringify(rows), EVENTS_CHANNEL],
    );
  }
}

/** Events in position order; each option narrows the selection. */
export async function readEvents(db: Knex, opts: ReadEventsOptions): Promise<StoredEvent[]> {
  const q = db<EventRow>('events').orderBy('position', 'asc');
  if (opts.afterPosition !== undefined) q.where('position', '>', opts.afterPosition);
  if (opts.throughPosition !== undefined) q.where('position', '<=', opts.throughPosition);
  if (opts.aggregateType) q.where('aggregate_type', opts.aggregateType);
  if (opts.aggregateId) q.where('aggregate_id', opts.aggregateId);
  if (opts.partnerId) q.where('partner_id', opts.partnerId);
  if (opts.limit) q.limit(opts.limit);
  return (await q).map(toStoredEvent);
}

/** The highest position in the log (0 when empty): where a reader that wants only new events starts. */
export async function lastEventPosition(db: Knex): Promise<number> {
  const row = (await db('events').max({ last: 'position' }).first()) as
    { last: number | string | null } | undefined;
  return Number(row?.last ?? 0);
}

/** The event log as readers (the live stream) see it. */
export class KnexEventLogReader implements EventLogReader {
  constructor(private readonly db: Knex) {}

  read(opts: ReadEventsOptions): Promise<StoredEvent[]> {
    return readEvents(this.db, opts);
  }

  lastPosition(): Promise<number> {
    return lastEventPosition(this.db);
  }
}
