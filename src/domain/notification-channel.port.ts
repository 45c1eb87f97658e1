import type { NotificationChannelKind, NotificationFacts, NotificationType } from './notification.aggregate';

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

export interface DeliveryReceipt {
  /** The channel's own id for what it sent (SMTP message id, HTTP status, log event id). */
  reference: string;
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
