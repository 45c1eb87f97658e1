import type { Knex } from 'knex';
import {
  NOTIFICATION_CHANNELS,
  NOTIFICATION_STATUSES,
  type NotificationChannelKind,
  type NotificationStatus,
} from '../../domain/notification.aggregate';
import type {
  NotificationListFilter,
  NotificationReads,
  NotificationRecord,
  NotificationStats,
  NotificationView,
} from '../../ports/notification.port';
import { readEvents } from './event-log';
import { toNotificationSnapshot, type NotificationRow } from './notification.repository';
import { newestFirst } from './keyset-page.util';

const toRecord = (row: NotificationRow): NotificationRecord => {
  const { lastResendRequestId: _r, deliveringUntil: _d, ...record } = toNotificationSnapshot(row);
  return record;
};

/** Read side of notifications: plain queries, no aggregate rules. */
export class NotificationQueries implements NotificationReads {
  constructor(private readonly db: Knex) {}

  async getById(id: string): Promise<NotificationView | undefined> {
    const row = await this.db<NotificationRow>('notifications').where({ id }).first();
    if (!row) return undefined;
    return { ...toRecord(row), events: await readEvents(this.db, { aggregateId: id }) };
  }

  /** Newest first, keyset-paginated on (created_at, id). */
  async list(f: NotificationListFilter): Promise<NotificationRecord[]> {
    const q = this.db<NotificationRow>('notifications');
    if (f.partnerId) q.where('partner_id', f.partnerId);
    if (f.status) q.where('status', f.status);
    if (f.channel) q.where('channel', f.channel);
    if (f.type) q.where('type', f.type);
    newestFirst(q, f.after);
    return (await q.limit(f.limit)).map(toRecord);
  }

  /** Counts by status and channel in one grouped scan; every status and channel is present, zeros included. */
  async stats(filter: { partnerId?: string } = {}): Promise<NotificationStats> {
    const q = this.db('notifications')
      .select('channel', 'status')
      .count<Array<{ channel: string; status: string; count: string | number }>>('* as count')
      .groupBy('channel', 'status');
    if (filter.partnerId) q.where('partner_id', filter.partnerId);
    const zeroStatuses = (): Record<NotificationStatus, number> =>
      Object.fromEntries(NOTIFICATION_STATUSES.map((s) => [s, 0])) as Record<NotificationStatus, number>;
    const stats: NotificationStats = {
      total: 0,
      byStatus: zeroStatuses(),
      byChannel: Object.fromEntries(
        NOTIFICATION_CHANNELS.map((c) => [c, { total: 0, ...zeroStatuses() }]),
      ) as NotificationStats['byChannel'],
    };
    for (const row of await q) {
      const n = Number(row.count);
      const channel = stats.byChannel[row.channel as NotificationChannelKind];
      const status = row.status as NotificationStatus;
      if (!channel || !(status in stats.byStatus)) continue;
      stats.total += n;
      stats.byStatus[status] += n;
      channel.total += n;
      channel[status] += n;
    }
    return stats;
  }
}
