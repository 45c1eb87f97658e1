import type { EventLog } from './payment.repository.port';
import type { Notification, NotificationChannelKind } from './notification.aggregate';
import type { NotificationPreferences } from './notification-preferences.value-object';
import type { NotificationAttemptLog } from './notification-attempt';

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

export interface NotificationTransactionScope {
  notifications: NotificationRepository;
  partnerSettings: PartnerNotificationSettingsReader;
  events: EventLog;
  /** The delivery log: one row per attempt, written with the attempt's outcome. */
  attempts: NotificationAttemptLog;
}

/** One database transaction: everything done through the given repositories commits or rolls back together. */
export interface NotificationUnitOfWork {
  run<T>(work: (tx: NotificationTransactionScope) => Promise<T>): Promise<T>;
}
