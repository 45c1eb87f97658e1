import { isPartnerActionEventType, isPayoutAccountEventType } from '../domain/notification.aggregate';
import type { NotificationPreferences } from '../domain/notification-preferences.value-object';
import type { PartnerActionNotice, PayoutAccountNotice } from '../domain/partner-notice';
import type { PartnerNotificationSettings } from './notification-repository.port';
import type {
  NotificationChannelKind,
  NotificationSnapshot,
  NotificationStatus,
  NotificationType,
} from '../domain/notification.aggregate';
import type { StoredEvent } from './event-log.port';

/**
 * What the payment side, the API and the notification workflow agree on about partner notices:
 * the messages (serialisable, they cross the Temporal boundary), the port that delivers them to a
 * partner's notification workflow, and the read side operators query.
 */

export type NotificationChannelName = 'EMAIL' | 'WEBHOOK' | 'IN_APP';

export type NotifiablePaymentEventType =
  | 'PaymentCreated'
  | 'PaymentAwaitingApproval'
  | 'PaymentCompleted'
  | 'PaymentRejected'
  | 'PaymentFailed'
  | 'PaymentCancelled'
  | 'PaymentRefunded'
  | 'PaymentReturned';

/** One payment transition a partner may hear about; the payment workflow sends it after each one. */
export interface PaymentNotice {
  partnerId: string;
  /** Deterministic (`${paymentId}:${eventType}`), so a repeated signal is recognised as the same event. */
  sourceEventId: string;
  eventType: NotifiablePaymentEventType;
  paymentId: string;
  amountMinor: number;
  currency: string;
  reason?: string | null;
  occurredAt: string;
}

export type { PartnerActionNotice, PayoutAccountNotice };

/**
 * What a partner's notification workflow is told (its `paymentEvent` signal, named before there
 * was anything else to tell): a payment transition, or a payout-account change (sent by the API
 * through its outbox). Told apart by `eventType`; payment notices are exactly what they always
 * were, so running workflows and recorded histories read them unchanged.
 */
export type NotifyPartnerInput = PaymentNotice | PayoutAccountNotice | PartnerActionNotice;

export const isPayoutAccountNotice = (n: NotifyPartnerInput): n is PayoutAccountNotice =>
  isPayoutAccountEventType(n.eventType);
export const isPartnerActionNotice = (n: NotifyPartnerInput): n is PartnerActionNotice =>
  isPartnerActionEventType(n.eventType);

/** An operator's resend of one notification, routed through the partner's workflow like any delivery. */
export interface ResendNotificationInput {
  notificationId: string;
  partnerId: string;
  /** Makes a repeated request harmless. */
  requestId: string;
}

export interface RetrySettings {
  startToCloseMs: number;
  initialIntervalMs: number;
  maxIntervalMs: number;
}

export interface ChannelDeliverySettings extends RetrySettings {
  /** After this many attempts the notification is FAILED with the last error as reason. */
  maximumAttempts: number;
}

export interface PartnerNotificationsSettings {
  /** Continue-as-new after this many handled messages (or earlier when the server suggests it). */
  continueAsNewAfterEvents: number;
  /** Deliveries in flight at once; more wait, so one dead receiver cannot pile up without bound. */
  maxConcurrentDeliveries: number;
  /** The database-only record/mark activities. */
  record: RetrySettings;
  /** Each channel's own retry policy. */
  channels: Record<NotificationChannelName, ChannelDeliverySettings>;
}

/** Reaches a partner's notification workflow (signal-with-start); implemented over Temporal in infra. */
export interface PartnerNotifier {
  notify(event: NotifyPartnerInput): Promise<void>;
  resend(request: ResendNotificationInput): Promise<void>;
}

export interface NotificationListFilter {
  partnerId?: string;
  status?: NotificationStatus;
  channel?: NotificationChannelKind;
  type?: NotificationType;
  limit: number;
  after?: { createdAt: string; id: string };
}

/** What operators see: the record without the delivery bookkeeping. */
export type NotificationRecord = Omit<NotificationSnapshot, 'lastResendRequestId' | 'deliveringUntil'>;

export interface NotificationView extends NotificationRecord {
  events: StoredEvent[];
}

export interface NotificationStats {
  total: number;
  byStatus: Record<NotificationStatus, number>;
  byChannel: Record<NotificationChannelKind, { total: number } & Record<NotificationStatus, number>>;
}

export interface NotificationReads {
  getById(id: string): Promise<NotificationView | undefined>;
  list(filter: NotificationListFilter): Promise<NotificationRecord[]>;
  stats(filter: { partnerId?: string }): Promise<NotificationStats>;
}

export interface PartnerNotificationSettingsStore {
  find(partnerId: string): Promise<PartnerNotificationSettings | undefined>;
  savePreferences(partnerId: string, preferences: NotificationPreferences): Promise<boolean>;
  rotateWebhookSecret(partnerId: string, secret: string): Promise<boolean>;
}
