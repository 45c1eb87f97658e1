import type { Knex } from 'knex';
import type { NotificationAttempt, NotificationAttemptRecord } from '../../domain/notification-attempt';
import type { NotificationAttemptLog } from '../../ports/notification-attempt-log.port';
import { iso } from './payment.repository';

interface AttemptRow {
  id: string | number;
  notification_id: string;
  partner_id: string;
  channel: string;
  delivery_key: string;
  started_at: Date | string;
  duration_ms: number;
  outcome: string;
  http_status: number | null;
  response_excerpt: string | null;
  error: string | null;
}

/** Appends attempts on the notification step's transaction (insert only: the log is never rewritten). */
export class KnexNotificationAttemptLog implements NotificationAttemptLog {
  constructor(private readonly db: Knex | Knex.Transaction) {}

  async append(a: NotificationAttempt): Promise<void> {
    await this.db('notification_attempts').insert({
      notification_id: a.notificationId,
      partner_id: a.partnerId,
      channel: a.channel,
      delivery_key: a.deliveryKey,
      started_at: a.startedAt,
      duration_ms: a.durationMs,
      outcome: a.outcome,
      http_status: a.httpStatus,
      response_excerpt: a.responseExcerpt,
      error: a.error,
    });
  }
}

const toRecord = (r: AttemptRow): NotificationAttemptRecord => ({
  id: String(r.id),
  notificationId: r.notification_id,
  partnerId: r.partner_id,
  channel: r.channel as NotificationAttemptRecord['channel'],
  deliveryKey: r.delivery_key,
  startedAt: iso(r.started_at),
  durationMs: r.duration_ms,
  outcome: r.outcome as NotificationAttemptRecord['outcome'],
  httpStatus: r.http_status,
  responseExcerpt: r.response_excerpt,
  error: r.error,
});

/** Read side of the delivery log and of bulk redelivery. */
export class NotificationAttemptQueries {
  constructor(private readonly db: Knex) {}

  /** A notification's attempts, oldest first, keyset-paginated on the log's position. */
  async attempts(
    notificationId: string,
    opts: { limit: number; afterId?: string },
  ): Promise<NotificationAttemptRecord[]> {
    const q = this.db<AttemptRow>('notification_attempts')
      .where({ notification_id: notificationId })
      .orderBy('id', 'asc')
      .limit(opts.limit);
    if (opts.afterId !== undefined) q.where('id', '>', opts.afterId);
    return (await q).map(toRecord);
  }

  /**
   * FAILED notifications that failed at or after `failedSince`, oldest failure first (optionally one
   * partner's), at most `limit`: what a bulk redelivery requeues.
   */
  async failedSince(filter: {
    partnerId?: string;
    failedSince: string;
    limit: number;
  }): Promise<Array<{ id: string; partnerId: string }>> {
    const q = this.db('notifications')
      .select<Array<{ id: string; partner_id: string }>>('id', 'partner_id')
      .where('status', 'FAILED')
      .andWhere('failed_at', '>=', filter.failedSince)
      .orderBy([
        { column: 'failed_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ])
      .limit(filter.limit);
    if (filter.partnerId) q.andWhere('partner_id', filter.partnerId);
    return (await q).map((r) => ({ id: r.id, partnerId: r.partner_id }));
  }
}
