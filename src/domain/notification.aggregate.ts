import { newEventId, type DomainEvent } from './domain-event';
import { DomainError } from './domain-error';

/** What a partner reads: rendered once, when the notification is recorded (notification-content.ts). */
export interface NotificationContent {
  subject: string;
  body: string;
}

export const NOTIFICATION_CHANNELS = ['EMAIL', 'WEBHOOK', 'IN_APP'] as const;
export type NotificationChannelKind = (typeof NOTIFICATION_CHANNELS)[number];

/** News about one payment. */
export const PAYMENT_NOTIFICATION_TYPES = [
  'PAYMENT_CREATED',
  'PAYMENT_AWAITING_APPROVAL',
  'PAYMENT_COMPLETED',
  'PAYMENT_REJECTED',
  'PAYMENT_FAILED',
  'PAYMENT_CANCELLED',
  'PAYMENT_REFUNDED',
  'PAYMENT_RETURNED',
] as const;
export type PaymentNotificationType = (typeof PAYMENT_NOTIFICATION_TYPES)[number];

/**
 * Security notices about the partner's payout account: someone asked to send the partner's money
 * elsewhere, a second person approved it, or it was withdrawn. Not tied to any payment.
 */
export const PAYOUT_ACCOUNT_NOTIFICATION_TYPES = [
  'PAYOUT_ACCOUNT_CHANGE_REQUESTED',
  'PAYOUT_ACCOUNT_CHANGE_APPROVED',
  'PAYOUT_ACCOUNT_CHANGE_CANCELLED',
] as const;
export type PayoutAccountNotificationType = (typeof PAYOUT_ACCOUNT_NOTIFICATION_TYPES)[number];

/**
 * Something the partner must do to keep being paid (issue 27): their tax form is about to expire,
 * or a settlement run left them out for a reason they can fix. Not tied to any payment.
 */
export const PARTNER_ACTION_NOTIFICATION_TYPES = ['TAX_FORM_EXPIRING', 'PAYOUT_SKIPPED'] as const;
export type PartnerActionNotificationType = (typeof PARTNER_ACTION_NOTIFICATION_TYPES)[number];

export const NOTIFICATION_TYPES = [
  ...PAYMENT_NOTIFICATION_TYPES,
  ...PAYOUT_ACCOUNT_NOTIFICATION_TYPES,
  ...PARTNER_ACTION_NOTIFICATION_TYPES,
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** The partner events a partner is told about (the change taking effect is announced by the approval). */
export const PAYOUT_ACCOUNT_EVENT_TYPES = [
  'PartnerPayoutAccountChangeRequested',
  'PartnerPayoutAccountChangeApproved',
  'PartnerPayoutAccountChangeCancelled',
] as const;
export type PayoutAccountEventType = (typeof PAYOUT_ACCOUNT_EVENT_TYPES)[number];

/** The partner events that ask the partner to act (partner-action-notices.ts writes them). */
export const PARTNER_ACTION_EVENT_TYPES = ['PartnerTaxFormExpiring', 'PartnerSkippedInSettlement'] as const;
export type PartnerActionEventType = (typeof PARTNER_ACTION_EVENT_TYPES)[number];

export const NOTIFICATION_STATUSES = ['PENDING', 'SENT', 'FAILED'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

export const isNotificationChannel = (v: unknown): v is NotificationChannelKind =>
  typeof v === 'string' && (NOTIFICATION_CHANNELS as readonly string[]).includes(v);
export const isNotificationType = (v: unknown): v is NotificationType =>
  typeof v === 'string' && (NOTIFICATION_TYPES as readonly string[]).includes(v);
export const isPayoutAccountNotificationType = (v: unknown): v is PayoutAccountNotificationType =>
  typeof v === 'string' && (PAYOUT_ACCOUNT_NOTIFICATION_TYPES as readonly string[]).includes(v);
export const isPayoutAccountEventType = (v: unknown): v is PayoutAccountEventType =>
  typeof v === 'string' && (PAYOUT_ACCOUNT_EVENT_TYPES as readonly string[]).includes(v);
export const isPartnerActionNotificationType = (v: unknown): v is PartnerActionNotificationType =>
  typeof v === 'string' && (PARTNER_ACTION_NOTIFICATION_TYPES as readonly string[]).includes(v);
export const isPartnerActionEventType = (v: unknown): v is PartnerActionEventType =>
  typeof v === 'string' && (PARTNER_ACTION_EVENT_TYPES as readonly string[]).includes(v);
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

/** The facts of a payment event (this shape is stored and sent as it always was: never change it). */
export type PaymentNotificationFacts = {
  paymentId: string;
  eventType: string;
  amountMinor: number;
  currency: string;
  reason: string | null;
  occurredAt: string;
};

/**
 * The facts of a payout-account change. Accounts are masked (`****1234`): the full numbers never
 * reach a notification, so never an email, a webhook or the inbox. Who requested or approved it is
 * deliberately not here: operator identities are internal (API key names); the partner's events
 * keep them for the audit trail.
 */
export type PayoutAccountNotificationFacts = {
  eventType: PayoutAccountEventType;
  /** The account in force when the event happened, masked. */
  fromAccount: string;
  /** The requested account, masked. */
  toAccount: string;
  /** Approved: when the new account takes effect. Null otherwise. */
  effectiveAt: string | null;
  /**
   * Requested: the earliest it could take effect (approved at once, then the cool-off): the
   * partner's deadline to object. Null otherwise.
   */
  earliestEffectiveAt: string | null;
  reason: string | null;
  occurredAt: string;
};

/**
 * The facts of a notice asking the partner to act: the payability reason and what to do about it,
 * and for an expiring form its expiry, for a skipped partner the run and the currencies it left out.
 */
export type PartnerActionNotificationFacts = {
  eventType: PartnerActionEventType;
  /** A payability reason code (payability.ts), e.g. TAX_FORM_MISSING. */
  reason: string;
  whatToDo: string;
  /** PartnerTaxFormExpiring: the form type and the last day it is valid (YYYY-MM-DD). */
  formType: string | null;
  expiresOn: string | null;
  /** PartnerSkippedInSettlement: the run and the currencies it did not pay. */
  settlementId: string | null;
  currencies: string[];
  occurredAt: string;
};

/**
 * The facts of the event a notification is about: what the webhook payload carries and what
 * subject and body were rendered from. Kept with the notification so a resend months later says
 * exactly what the first delivery said. A payment's or a payout account's, told apart by
 * `eventType` (isPayoutAccountFacts).
 */
export type NotificationFacts =
  PaymentNotificationFacts | PayoutAccountNotificationFacts | PartnerActionNotificationFacts;

export const isPayoutAccountFacts = (f: NotificationFacts): f is PayoutAccountNotificationFacts =>
  isPayoutAccountEventType(f.eventType);
export const isPartnerActionFacts = (f: NotificationFacts): f is PartnerActionNotificationFacts =>
  isPartnerActionEventType(f.eventType);
export const isPaymentFacts = (f: NotificationFacts): f is PaymentNotificationFacts =>
  !isPayoutAccountFacts(f) && !isPartnerActionFacts(f);

/**
 * What `PayoutAccount.masked()` and `PayoutMethod.maskedShort()` produce: the last four characters
 * only (lower case too: Stripe account ids are mixed case).
 */
const MASKED_ACCOUNT = /^\*{4}[0-9A-Za-z]{4}$/;

export interface NotificationSnapshot {
  id: string;
  partnerId: string;
  /** The payment it is about; null for notices that concern no payment (payout-account changes). */
  paymentId: string | null;
  /** The event this notifies about; with `channel` it identifies the notification. */
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
  paymentId: string | null;
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
 * Refuses facts that do not fit the type (a payment type needs a payment's facts and the other way
 * round) and payout-account facts with anything but masked accounts.
 */
function assertFactsFit(type: NotificationType, facts: NotificationFacts): void {
  const invalid = (message: string): DomainError =>
    new DomainError(NotificationErrorCodes.INVALID_CONTENT, message, { type });
  if (
    isPayoutAccountNotificationType(type) !== isPayoutAccountFacts(facts) ||
    isPartnerActionNotificationType(type) !== isPartnerActionFacts(facts)
  ) {
    throw invalid(`${type} does not fit the facts of a ${facts.eventType} event`);
  }
  if (isPayoutAccountFacts(facts)) {
    if (!MASKED_ACCOUNT.test(facts.fromAccount) || !MASKED_ACCOUNT.test(facts.toAccount)) {
      // The values are deliberately not in the error: they may be full account numbers.
      throw invalid('Payout-account notices carry masked accounts only');
    }
  }
}

/**
 * One message to one partner on one channel about one event (a payment's, or a payout-account change).
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
    assertFactsFit(props.type, props.facts);
    const at = props.now.toISOString();
    const n = new Notification({
      id: props.id,
      partnerId: props.partnerId,
      paymentId: isPaymentFacts(props.facts) ? props.facts.paymentId : null,
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
  get paymentId(): string | null {
    return this.state.paymentId;
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
