import type {
  NotificationChannelKind,
  NotificationFacts,
  NotificationType,
} from '../domain/notification.aggregate';

/** Where one delivery goes: the channel's own address for the partner. */
export type DeliveryTarget =
  | { channel: 'EMAIL'; email: string; name: string }
  | {
      channel: 'WEBHOOK';
      url: string;
      /** The current signing secret: its signature comes first. */
      secret: string;
      /** Rotated-out secrets still inside their overlap: each signs too, so both old and new verify. */
      previousSecrets?: readonly string[];
    }
  | { channel: 'IN_APP' };

/** A document sent along (email only), e.g. the remittance advice of a completed payout. */
export interface NotificationAttachment {
  filename: string;
  contentType: string;
  content: string;
}

/** One rendered message on its way out. Everything a channel adapter needs, nothing it must look up. */
export interface OutboundNotification {
  notificationId: string;
  /** Stable across the retries of one delivery, new for an operator resend: an idempotency key. */
  deliveryKey: string;
  partnerId: string;
  type: NotificationType;
  subject: string;
  body: string;
  sourceEventId: string;
  facts: NotificationFacts;
  createdAt: string;
  target: DeliveryTarget;
  attachments?: NotificationAttachment[];
}

/** What a channel learnt from the receiver on one attempt, for the delivery log. */
export interface DeliveryAttemptDetails {
  /** The receiver's HTTP status (webhooks). */
  httpStatus?: number;
  /** The start of the receiver's answer, already bounded by the channel. */
  responseExcerpt?: string;
}

export interface DeliveryReceipt extends DeliveryAttemptDetails {
  /** The channel's own id for what it sent (SMTP message id, HTTP status, log event id). */
  reference: string;
}

/**
 * A failed attempt that did reach the receiver (it answered an error status): retried unless it
 * is also permanent. Carries what the receiver said, for the delivery log.
 */
export class DeliveryAttemptError extends Error {
  constructor(
    message: string,
    readonly details: DeliveryAttemptDetails,
  ) {
    super(message);
    this.name = 'DeliveryAttemptError';
  }
}

/** What an error thrown by a channel says about the receiver's answer, if anything. */
export function attemptDetailsOf(e: unknown): DeliveryAttemptDetails {
  const details = (e as { details?: unknown } | null)?.details;
  if (typeof details !== 'object' || details === null) return {};
  const { httpStatus, responseExcerpt } = details as DeliveryAttemptDetails;
  return {
    ...(typeof httpStatus === 'number' ? { httpStatus } : {}),
    ...(typeof responseExcerpt === 'string' ? { responseExcerpt } : {}),
  };
}

/**
 * A delivery that can never succeed as addressed (a refused webhook target, a permanent SMTP
 * rejection, a 4xx from the receiver): retrying would only repeat it. Adapters throw it; any
 * other error is transient and retried.
 */
export class PermanentDeliveryError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** What the receiver answered, when it did (a 4xx), for the delivery log. */
    readonly details: DeliveryAttemptDetails = {},
  ) {
    super(message);
    this.name = 'PermanentDeliveryError';
  }
}

export const isPermanentDeliveryError = (e: unknown): e is PermanentDeliveryError =>
  e instanceof PermanentDeliveryError ||
  (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'PermanentDeliveryError');

/** A way of reaching a partner (ports and adapters: SMTP, signed webhook, in-app inbox). */
export interface NotificationChannel {
  readonly kind: NotificationChannelKind;
  send(message: OutboundNotification): Promise<DeliveryReceipt>;
}
