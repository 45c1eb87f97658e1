import type { Knex } from 'knex';
import {
  Notification,
  type NotificationChannelKind,
  type NotificationFacts,
  type NotificationSnapshot,
} from '../../domain/notification.aggregate';
import { NotificationPreferences } from '../../domain/notification-preferences.value-object';
import type {
  NotificationRepository,
  PartnerNotificationSettings,
  PartnerNotificationSettingsReader,
} from '../../domain/notification.repository.port';
import { iso, OptimisticConcurrencyError } from './payment.repository';

export interface NotificationRow {
  id: string;
  partner_id: string;
  payment_id: string;
  source_event_id: string;
  channel: string;
  type: string;
  subject: string;
  body: string;
  facts: NotificationFacts | string;
  status: string;
  reason: string | null;
  attempts: number;
  last_error: string | null;
  resends: number;
  last_resend_request_id: string | null;
  delivering_until: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
  sent_at: Date | string | null;
  failed_at: Date | string | null;
  version: number;
}

const isoOrNull = (v: Date | string | null): string | null => (v === null ? null : iso(v));

export function toNotificationSnapshot(r: NotificationRow): NotificationSnapshot {
  return {
    id: r.id,
    partnerId: r.partner_id,
    paymentId: r.payment_id,
    sourceEventId: r.source_event_id,
    channel: r.channel as NotificationSnapshot['channel'],
    type: r.type as NotificationSnapshot['type'],
    subject: r.subject,
    body: r.body,
    facts: typeof r.facts === 'string' ? (JSON.parse(r.facts) as NotificationFacts) : r.facts,
    status: r.status as NotificationSnapshot['status'],
    reason: r.reason,
    attempts: r.attempts,
    lastError: r.last_error,
    resends: r.resends,
    lastResendRequestId: r.last_resend_request_id,
    deliveringUntil: isoOrNull(r.delivering_until),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
    sentAt: isoOrNull(r.sent_at),
    failedAt: isoOrNull(r.failed_at),
    version: r.version,
  };
}

function toRow(s: NotificationSnapshot): Omit<NotificationRow, 'facts'> & { facts: string } {
  return {
    id: s.id,
    partner_id: s.partnerId,
    payment_id: s.paymentId,
    source_event_id: s.sourceEventId,
    channel: s.channel,
    type: s.type,
    subject: s.subject,
    body: s.body,
    facts: JSON.stringify(s.facts),
    status: s.status,
    reason: s.reason,
    attempts: s.attempts,
    last_error: s.lastError,
    resends: s.resends,
    last_resend_request_id: s.lastResendRequestId,
    delivering_until: s.deliveringUntil,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    sent_at: s.sentAt,
    failed_at: s.failedAt,
    version: s.version,
  };
}

/**
 * Knex adapter of the notification repository, on the unit of work's transaction. One
 * transaction may change a notification several times (claim, then record), so the optimistic
 * check compares with the version it was loaded at rather than "version - 1".
 */
export class KnexNotificationRepository implements NotificationRepository {
  private readonly loadedVersions = new WeakMap<Notification, number>();

  constructor(private readonly db: Knex | Knex.Transaction) {}

  async findById(id: string): Promise<Notification | undefined> {
    return this.load(this.db<NotificationRow>('notifications').where({ id }).forUpdate().first());
  }

  async findBySource(
    sourceEventId: string,
    channel: NotificationChannelKind,
  ): Promise<Notification | undefined> {
    return this.load(
      this.db<NotificationRow>('notifications')
        .where({ source_event_id: sourceEventId, channel })
        .forUpdate()
        .first(),
    );
  }

  async save(notification: Notification): Promise<void> {
    const s = notification.toSnapshot();
    const loaded = this.loadedVersions.get(notification);
    if (loaded === s.version) return;
    if (loaded === undefined) {
      await this.db('notifications').insert(toRow(s));
    } else {
      const updated = await this.db('notifications').where({ id: s.id, version: loaded }).update(toRow(s));
      if (updated !== 1)
        throw new OptimisticConcurrencyError(`notification ${s.id} was changed concurrently`);
    }
    this.loadedVersions.set(notification, s.version);
  }

  private async load(query: Promise<NotificationRow | undefined>): Promise<Notification | undefined> {
    const row = await query;
    if (!row) return undefined;
    const n = Notification.fromSnapshot(toNotificationSnapshot(row));
    this.loadedVersions.set(n, row.version);
    return n;
  }
}

interface PartnerSettingsRow {
  id: string;
  name: string;
  email: string;
  webhook_url: string | null;
  webhook_secret: string | null;
  notification_preferences: unknown;
}

const parseJson = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);

/**
 * The partner columns the notification service owns or reads: contact details, the webhook
 * secret and the preferences. Writes touch only `webhook_secret` and `notification_preferences`,
 * so they never race the partner aggregate's own optimistic version.
 */
export class KnexPartnerNotificationSettings implements PartnerNotificationSettingsReader {
  constructor(private readonly db: Knex | Knex.Transaction) {}

  async find(partnerId: string): Promise<PartnerNotificationSettings | undefined> {
    const row = await this.db<PartnerSettingsRow>('partners')
      .select('id', 'name', 'email', 'webhook_url', 'webhook_secret', 'notification_preferences')
      .where({ id: partnerId })
      .first();
    if (!row) return undefined;
    return {
      partnerId: row.id,
      name: row.name,
      email: row.email,
      webhookUrl: row.webhook_url,
      webhookSecret: row.webhook_secret,
      preferences: NotificationPreferences.fromStored(parseJson(row.notification_preferences)),
    };
  }

  /** False when there is no such partner. */
  async savePreferences(partnerId: string, preferences: NotificationPreferences): Promise<boolean> {
    const updated = await this.db('partners')
      .where({ id: partnerId })
      .update({ notification_preferences: JSON.stringify(preferences.toStored()) });
    return updated === 1;
  }

  /** Replaces the secret at once: signatures made with the old one stop verifying. False when there is no such partner. */
  async rotateWebhookSecret(partnerId: string, secret: string): Promise<boolean> {
    const updated = await this.db('partners').where({ id: partnerId }).update({ webhook_secret: secret });
    return updated === 1;
  }
}
