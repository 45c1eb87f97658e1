import type { Knex } from 'knex';
import { callsForPartnerNotice } from '../../domain/partner-notice';
import type { PartnerNoticeOutbox } from '../../ports/partner-notice-outbox.port';
import type { DomainEvent } from '../../domain/domain-event';
import type { StoredEvent } from '../../ports/event-log.port';
import { toStoredEvent } from './event-log';

const TABLE = 'partner_notice_outbox';

/**
 * Adds, inside the caller's transaction, one outbox row per partner event that calls for a notice
 * (migration 007). The row names the event and the notification task queue it goes to; adding the
 * same event twice is a no-op.
 */
export class KnexPartnerNoticeOutbox implements PartnerNoticeOutbox {
  constructor(
    private readonly trx: Knex | Knex.Transaction,
    private readonly taskQueue: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async add(events: readonly DomainEvent[]): Promise<void> {
    const at = this.clock().toISOString();
    const rows = events.filter(callsForPartnerNotice).map((e) => ({
      event_id: e.id,
      partner_id: e.partnerId ?? (e.data as { partnerId?: string }).partnerId,
      task_queue: this.taskQueue,
      next_attempt_at: at,
      created_at: at,
    }));
    if (rows.length === 0) return;
    await this.trx(TABLE).insert(rows).onConflict('event_id').ignore();
  }
}

/** One outbox row a relay has leased, with its event (undefined if the event log lacks it). */
export interface ClaimedPartnerNotice {
  eventId: string;
  /** Failed attempts so far. */
  attempts: number;
  event: StoredEvent | undefined;
}

/**
 * The relay's side of the outbox. Each method is its own short transaction: nothing is held
 * while the relay talks to Temporal.
 */
export class KnexPartnerNoticeQueue {
  constructor(
    private readonly db: Knex,
    private readonly taskQueue: string,
  ) {}

  /**
   * Leases up to `limit` due rows until `now + leaseMs`, oldest first, and only the oldest unsent
   * row of each partner (a partner hears of a request before its approval, even after a failed
   * attempt). Rows another relay holds (a lease not yet over, or locked right now) are skipped.
   */
  async claim(now: Date, leaseMs: number, limit: number): Promise<ClaimedPartnerNotice[]> {
    const at = now.toISOString();
    const until = new Date(now.getTime() + leaseMs).toISOString();
    const { rows } = (await this.db.raw(
      `update ${TABLE} o set claimed_until = ?
        where o.position in (
          select h.position from ${TABLE} h
           where h.task_queue = ?
             and h.next_attempt_at <= ?
             and (h.claimed_until is null or h.claimed_until <= ?)
             and not exists (
               select 1 from ${TABLE} e
                where e.task_queue = h.task_queue and e.partner_id = h.partner_id and e.position < h.position)
           order by h.position
           limit ?
           for update skip locked)
        returning o.position, o.event_id, o.attempts`,
      [until, this.taskQueue, at, at, limit],
    )) as { rows: Array<{ position: number | string; event_id: string; attempts: number }> };
    if (rows.length === 0) return [];
    rows.sort((a, b) => Number(a.position) - Number(b.position));
    const events = await this.db('events').whereIn(
      'id',
      rows.map((r) => r.event_id),
    );
    const byId = new Map(events.map((e: Parameters<typeof toStoredEvent>[0]) => [e.id, toStoredEvent(e)]));
    return rows.map((r) => ({ eventId: r.event_id, attempts: r.attempts, event: byId.get(r.event_id) }));
  }

  /** The partner's notification workflow has it: the row goes. */
  async done(eventId: string): Promise<void> {
    await this.db(TABLE).where({ event_id: eventId }).delete();
  }

  /** A failed attempt: counted, remembered, released, and due again at `until`. */
  async postpone(eventId: string, error: string, until: Date): Promise<void> {
    await this.db(TABLE)
      .where({ event_id: eventId })
      .update({
        attempts: this.db.raw('attempts + 1'),
        last_error: error.slice(0, 1000),
        claimed_until: null,
        next_attempt_at: until.toISOString(),
      });
  }

  /** Rows not yet sent (operators, tests). */
  async pending(): Promise<number> {
    const row = (await this.db(TABLE).where({ task_queue: this.taskQueue }).count({ n: '*' }).first()) as
      { n: number | string } | undefined;
    return Number(row?.n ?? 0);
  }
}
