/** Serialisable inputs and results of the notification activities and workflow: what crosses the Temporal boundary. */

export type NotificationChannelName = 'EMAIL' | 'WEBHOOK' | 'IN_APP';

export type NotifiablePaymentEventType =
  | 'PaymentCreated'
  | 'PaymentAwaitingApproval'
  | 'PaymentCompleted'
  | 'PaymentRejected'
  | 'PaymentFailed'
  | 'PaymentCancelled'
  | 'PaymentRefunded';

/** One payment transition a partner may hear about; the payment workflow sends it after each one. */
export interface NotifyPartnerInput {
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

export type RecordNotificationsInput = NotifyPartnerInput;

export interface PlannedNotification {
  notificationId: string;
  channel: NotificationChannelName;
  status: 'PENDING' | 'SENT' | 'FAILED';
}

export interface RecordNotificationsResult {
  /** Empty when the partner chose no channel for this type (or has none of the chosen ones). */
  notifications: PlannedNotification[];
}

export interface DeliverNotificationInput {
  notificationId: string;
  /** How long one attempt holds the delivery; the activity's start-to-close timeout. */
  leaseMs: number;
}

export interface DeliverNotificationResult {
  notificationId: string;
  status: 'PENDING' | 'SENT' | 'FAILED';
  attempts: number;
}

export interface MarkNotificationFailedInput {
  notificationId: string;
  reason: string;
}

export interface RequeueNotificationInput {
  notificationId: string;
  requestId: string;
}

export interface NotificationStepResult {
  notificationId: string;
  channel: NotificationChannelName;
  status: 'PENDING' | 'SENT' | 'FAILED';
  attempts: number;
}

export type NotifyPartnerResult = void;
