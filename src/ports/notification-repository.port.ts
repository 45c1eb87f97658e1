import type { Notification, NotificationChannelKind } from '../domain/notification.aggregate';
import type { NotificationPreferences } from '../domain/notification-preferences.value-object';

export interface NotificationRepository {
  /** Loads for change: the row stays locked until the transaction ends. */
  findById(id: string): Promise<Notification | undefined>;
  /** The notification already made for this payment event on this channel, if any. */
  findBySource(sourceEventId: string, channel: NotificationChannelKind): Promise<Notification | undefined>;
  save(notification: Notification): Promise<void>;
}

/** What the notification service needs to know about a partner to reach them. */
export interface PartnerNotificationSettings {
  partnerId: string;
  name: string;
  email: string;
  webhookUrl: string | null;
  /** Signs webhook bodies; null until the partner rotates one (`POST /partners/:id/webhook-secret`). */
  webhookSecret: string | null;
  /**
   * Secrets replaced by a rotation whose overlap has not ended yet (as of the read), newest first:
   * deliveries are signed with these too.
   */
  previousWebhookSecrets: ReadonlyArray<{ secret: string; validUntil: string }>;
  /** Set when the stored secret cannot be read (e.g. encrypted with a key not configured): deliveries fail with it. */
  webhookSecretProblem?: string;
  preferences: NotificationPreferences;
}

export interface PartnerNotificationSettingsReader {
  find(partnerId: string): Promise<PartnerNotificationSettings | undefined>;
}
