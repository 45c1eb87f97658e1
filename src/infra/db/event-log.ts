import type { Knex } from 'knex';
import type { DomainEvent } from '../../domain/domain-event';
import type { EventLog, EventMetadata } from '../../domain/payment.repository.port';
import { iso } from './payment.repository';

/** Any fixed number: the advisory lock that orders writers of the event log. */
const EVENT_LOG_LOCK = 0x41_4c_50_45;

export interface StoredEvent extends DomainEvent {
  position: number;
  workflowId: string | null;
  runId: string | null;
}

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

  async append(events: DomainEvent[], meta: EventMetadata): Promise<void> {
    if (events.length === 0) return;
    await this.trx.raw('select pg_advisory_xact_lock(?)', [EVENT_LOG_LOCK]);
    const { rows } = (await this.trx.raw('select coalesce(max(position), 0) as last from events')) as {
      rows: Array<{ last: number | string }>;
    };
    const last = Number(rows[0]?.last ?? 0);
    await this.trx('events').insert(
      events.map((e, i) => ({
        position: last + i + 1,
        id: e.id,
        type: e.type,
        aggregate_type: e.aggregate.type,
        aggregate_id: e.aggregate.id,
        partner_id: e.partnerId,
        data: JSON.stringify(e.data),
        workflow_id: meta.workflowId,
        run_id: meta.runId,
        occurred_at: e.occurredAt,
      })),
    );
  }
}

export async function readEvents(
  db: Knex,
  opts: { afterPosition?: number; aggregateId?: string; limit?: number },
): Promise<StoredEvent[]> {
  const q = db<EventRow>('events').orderBy('position', 'asc');
  if (opts.afterPosition !== undefined) q.where('position', '>', opts.afterPosition);
  if (opts.aggregateId) q.where('aggregate_id', opts.aggregateId);
  if (opts.limit) q.limit(opts.limit);
  return (await q).map(toStoredEvent);
}
