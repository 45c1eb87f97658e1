import { newEventId, type DomainEvent } from './domain-event';
import { DomainError } from './domain-error';

/** What a partner reads: rendered once, when the notification is recorded (notification-content.ts). */
export interface NotificationContent {
  subject: string;
  body: string;
}

export const NOTIFICATION_CHANNELS = ['EMAIL', 'WEBHOOK', 'IN_APP'] as const;
export type NotificationChannelKind = (typeof NOTIFICATION_CHANNELS)[number];

export const NOTIFICATION_TYPES = [
  'PAYMENT_CREATED',
  'PAYMENT_AWAITING_APPROVAL',
  'PAYMENT_COMPLETED',
  'PAYMENT_REJECTED',
  'PAYMENT_FAILED',
  'PAYMENT_CANCELLED',
  'PAYMENT_REFUNDED',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export const NOTIFICATION_STATUSES = ['PENDING', 'SENT', 'FAILED'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

export const isNotificationChannel = (v: unknown): v is NotificationChannelKind =>
  typeof v === 'string' && (NOTIFICATION_CHANNELS as readonly string[]).includes(v);
export const isNotificationType = (v: unknown): v is NotificationType =>
  typeof v === 'string' && (NOTIFICATION_TYPES as readonly string[]).includes(v);
export const isNotificationStatus = (v: unknown): v is NotificationStatus =>
  typeof v === 'string' && (NOTIFICATION_STATUSES as readonly string[]).includes(v);

/** Stable codes of expected notification failures (same contract rules as `ErrorCodes`). */
export const NotificationErrorCodes = {
  NOT_FOUND: 'NOTIFICATION.NOT_FOUND',
  INVALID_CONTENT: 'NOTIFICATION.INVALID_CONTENT',
  INVALID_TRANSITION: 'NOTIFICATION.INVALID_TRANSITION',
  NOT_RESENDABLE: 'NOTIFICATION.NOT_RESENDABLE',
  INVALID_PREFERENCES: 'NOTIFICATION.INVALID_PREFERENCES',
  TYPE_NOT_MUTABLE: 'NOTIFICATION.TYPE_NOT_MUTABLE',
  UNKNOWN_EVENT_TYPE: 'NOTIFICATION.UNKNOWN_EVENT_TYPE',
  NO_RECIPIENT: 'NOTIFICATION.NO_RECIPIENT',
  DELIVERY_REFUSED: 'NOTIFICATION.DELIVERY_REFUSED',
} as const;

/**
 * The facts of the payment event a notification is about: what the webhook payload carries and
 * what subject and body were rendered from. Kept with the notification so a resend months later
 * says exactly what the first delivery said.
 */
export type NotificationFacts = {
  paymentId: string;
  eventType: string;
  amountMinor: number;
  currency: string;
  reason: string | null;
  occurredAt: string;
};

export interface NotificationSnapshot {
  id: string;
  partnerId: string;
  paymentId: string;
  /** The payment event this notifies about; with `channel` it identifies the notification. */
  sourceEventId: string;
  channel: NotificationChannelKind;
  type: NotificationType;
  subject: string;
  body: string;
  facts: NotificationFacts;
  status: NotificationStatus;
  /** Why it FAILED (null unless FAILED). */
  reason: string | null;
  /** Delivery attempts so far, failed and successful. */
  attempts: number;
  lastError: string | null;
  /** Operator resends so far; part of the delivery key, so a resend is a new delivery. */
  resends: number;
  lastResendRequestId: string | null;
  /** An attempt in progress holds the delivery until then, so two attempts never send at once. */
  deliveringUntil: string | null;
  createdAt: string;
  updatedAt: string;
  sentAt: string | null;
  failedAt: string | null;
  version: number;
}

export type NotificationEventType =
  'NotificationCreated' | 'NotificationSent' | 'NotificationFailed' | 'NotificationResendRequested';

/** A type alias (not an interface) so it stays assignable to the event log's `Record<string, unknown>`. */
export type NotificationEventData = {
  notificationId: string;
  partnerId: string;
  paymentId: string;
  sourceEventId: string;
  channel: NotificationChannelKind;
  notificationType: NotificationType;
  status: NotificationStatus;
  attempts: number;
  reason: string | null;
  subject: string;
};

export type NotificationDomainEvent = DomainEvent<NotificationEventType, NotificationEventData>;

export interface CreateNotificationProps {
  id: string;
  partnerId: string;
  sourceEventId: string;
  channel: NotificationChannelKind;
  type: NotificationType;
  content: NotificationContent;
  facts: NotificationFacts;
  now: Date;
}

/** Refuses a resend while a delivery is still under way: its retries would race the resend. */
export function assertNotificationResendable(notificationId: string, status: NotificationStatus): void {
  if (status === 'PENDING') {
    throw new DomainError(
      NotificationErrorCodes.NOT_RESENDABLE,
      'The notification is still being delivered; resend it once it is SENT or FAILED',
      { notificationId, status },
    );
  }
}

/** Longest failure reason kept: receivers can answer with whole HTML pages. */
export const NOTIFICATION_REASON_MAX_LENGTH = 1000;

const clip = (text: string): string =>
  text.length > NOTIFICATION_REASON_MAX_LENGTH
    ? `${text.slice(0, NOTIFICATION_REASON_MAX_LENGTH - 1)}…`
    : text;

/**
 * One message to one partner on one channel about one payment event.
 *
 *   PENDING ──markSent──▶ SENT
 *   PENDING ──markFailed(reason)──▶ FAILED
 *   SENT | FAILED ──requestResend──▶ PENDING   (operator)
 *
 * Delivery attempts are counted on the aggregate but are not events: only outcomes are.
 */
export class Notification {
  private pending: NotificationDomainEvent[] = [];

  private constructor(private state: NotificationSnapshot) {}

  static create(props: CreateNotificationProps): Notification {
    if (!props.content.subject.trim() || !props.content.body.trim()) {
      throw new DomainError(
        NotificationErrorCodes.INVALID_CONTENT,
        'A notification needs a subject and body',
      );
    }
    const at = props.now.toISOString();
    const n = new Notification({
      id: props.id,
      partnerId: props.partnerId,
      paymentId: props.facts.paymentId,
      sourceEventId: props.sourceEventId,
      channel: props.channel,
      type: props.type,
      subject: props.content.subject,
      body: props.content.body,
      facts: { ...props.facts },
      status: 'PENDING',
      reason: null,
      attempts: 0,
      lastError: null,
      resends: 0,
      lastResendRequestId: null,
      deliveringUntil: null,
      createdAt: at,
      updatedAt: at,
      sentAt: null,
      failedAt: null,
      version: 1,
    });
    n.record('NotificationCreated', at);
    return n;
  }

  /** Unknown enum values mean corrupt data, hence a plain Error. */
  static fromSnapshot(s: NotificationSnapshot): Notification {
    if (!isNotificationStatus(s.status) || !isNotificationChannel(s.channel) || !isNotificationType(s.type)) {
      throw new Error(`Corrupt notification snapshot ${s.id}`);
    }
    return new Notification({ ...s, facts: { ...s.facts } });
  }

  get id(): string {
    return this.state.id;
  }
  get partnerId(): string {
    return this.state.partnerId;
  }
  get channel(): NotificationChannelKind {
    return this.state.channel;
  }
  get type(): NotificationType {
    return this.state.type;
  }
  get status(): NotificationStatus {
    return this.state.status;
  }
  get attempts(): number {
    return this.state.attempts;
  }
  get subject(): string {
    return this.state.subject;
  }
  get body(): string {
    return this.state.body;
  }
  get facts(): NotificationFacts {
    return { ...this.state.facts };
  }
  get sourceEventId(): string {
    return this.state.sourceEventId;
  }
  get createdAt(): string {
    return this.state.createdAt;
  }

  /** Identifies one delivery (the first, or one operator resend): stable across retries of it. */
  get deliveryKey(): string {
    return `${this.state.id}:${this.state.resends}`;
  }

  isSettled(): boolean {
    return this.state.status !== 'PENDING';
  }

  /**
   * Takes the delivery for one attempt until `now + leaseMs`. Returns false when another attempt
   * still holds it (an attempt from a worker presumed dead, or from the run before a
   * continue-as-new): sending now could deliver twice.
   */
  beginAttempt(now: Date, leaseMs: number): boolean {
    this.assertPending('attempt delivery of');
    const until = this.state.deliveringUntil;
    if (until !== null && Date.parse(until) > now.getTime()) return false;
    this.touch(now, { deliveringUntil: new Date(now.getTime() + leaseMs).toISOString() });
    return true;
  }

  /** A failed attempt: counted and remembered, the notification stays PENDING for the next retry. */
  recordFailedAttempt(error: string, now: Date): void {
    this.assertPending('record an attempt of');
    this.touch(now, { attempts: this.state.attempts + 1, lastError: clip(error), deliveringUntil: null });
  }

  /** The attempt that got through. */
  markSent(now: Date): void {
    this.assertPending('mark as sent');
    const at = now.toISOString();
    this.touch(now, { status: 'SENT', attempts: this.state.attempts + 1, sentAt: at, deliveringUntil: null });
    this.record('NotificationSent', at);
  }

  /** Retries are exhausted or the delivery can never succeed. */
  markFailed(reason: string, now: Date): void {
    this.assertPending('mark as failed');
    const at = now.toISOString();
    const text = clip(reason.trim() || 'delivery failed');
    this.touch(now, { status: 'FAILED', reason: text, failedAt: at, deliveringUntil: null });
    this.record('NotificationFailed', at);
  }

  assertResendable(): void {
    assertNotificationResendable(this.state.id, this.state.status);
  }

  /**
   * Operator resend: back to PENDING as a new delivery. `requestId` makes a repeated request
   * (an activity retried after it committed) a no-op instead of a second resend.
   */
  requestResend(requestId: string, now: Date): void {
    if (this.state.lastResendRequestId === requestId) return;
    this.assertResendable();
    const at = now.toISOString();
    this.touch(now, {
      status: 'PENDING',
      reason: null,
      lastError: null,
      resends: this.state.resends + 1,
      lastResendRequestId: requestId,
      sentAt: null,
      failedAt: null,
    });
    this.record('NotificationResendRequested', at);
  }

  /** Returns the events recorded since the last call, oldest first, and forgets them. */
  pullEvents(): NotificationDomainEvent[] {
    const events = this.pending;
    this.pending = [];
    return events;
  }

  toSnapshot(): NotificationSnapshot {
    return { ...this.state, facts: { ...this.state.facts } };
  }

  private assertPending(action: string): void {
    if (this.state.status !== 'PENDING') {
      throw new DomainError(
        NotificationErrorCodes.INVALID_TRANSITION,
        `Cannot ${action} a ${this.state.status} notification`,
        { notificationId: this.state.id, status: this.state.status },
      );
    }
  }

  private touch(now: Date, patch: Partial<NotificationSnapshot>): void {
    this.state = { ...this.state, ...patch, updatedAt: now.toISOString(), version: this.state.version + 1 };
  }

  private record(type: NotificationEventType, at: string): void {
    const s = this.state;
    this.pending.push({
      id: newEventId(),
      type,
      occurredAt: at,
      aggregate: { type: 'Notification', id: s.id },
      partnerId: s.partnerId,
      data: {
        notificationId: s.id,
        partnerId: s.partnerId,
        paymentId: s.paymentId,
        sourceEventId: s.sourceEventId,
        channel: s.channel,
        notificationType: s.type,
        status: s.status,
        attempts: s.attempts,
        reason: s.reason,
        subject: s.subject,
      },
    });
  }
}
