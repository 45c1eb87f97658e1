import { DomainError } from './domain-error';
import { Money } from './money.value-object';
import {
  NotificationErrorCodes,
  type NotificationContent,
  type NotificationFacts,
  type NotificationType,
} from './notification.aggregate';
import type { PaymentEventType } from './payment-events';

/** The payment events a partner hears about, and what each is called as a notification type. */
const TYPE_BY_EVENT: Partial<Record<PaymentEventType, NotificationType>> = {
  PaymentCreated: 'PAYMENT_CREATED',
  PaymentAwaitingApproval: 'PAYMENT_AWAITING_APPROVAL',
  PaymentCompleted: 'PAYMENT_COMPLETED',
  PaymentRejected: 'PAYMENT_REJECTED',
  PaymentFailed: 'PAYMENT_FAILED',
  PaymentCancelled: 'PAYMENT_CANCELLED',
  PaymentRefunded: 'PAYMENT_REFUNDED',
};

/** Undefined for payment events that are internal steps (approved, processing), not news for the partner. */
export function notificationTypeOf(eventType: string): NotificationType | undefined {
  return Object.hasOwn(TYPE_BY_EVENT, eventType) ? TYPE_BY_EVENT[eventType as PaymentEventType] : undefined;
}

export function requireNotificationType(eventType: string): NotificationType {
  const type = notificationTypeOf(eventType);
  if (!type) {
    throw new DomainError(
      NotificationErrorCodes.UNKNOWN_EVENT_TYPE,
      `Payment event ${eventType} has no notification`,
      { eventType },
    );
  }
  return type;
}

interface Wording {
  subject: (amount: string) => string;
  lead: (amount: string, ref: string) => string;
}

const WORDING: Record<NotificationType, Wording> = {
  PAYMENT_CREATED: {
    subject: (a) => `Payment of ${a} created`,
    lead: (a, ref) => `A payment of ${a} to you has been created (payment ${ref}).`,
  },
  PAYMENT_AWAITING_APPROVAL: {
    subject: (a) => `Payment of ${a} awaiting approval`,
    lead: (a, ref) => `Your payment of ${a} is waiting for approval (payment ${ref}).`,
  },
  PAYMENT_COMPLETED: {
    subject: (a) => `Payment of ${a} completed`,
    lead: (a, ref) => `Your payment of ${a} has been paid out (payment ${ref}).`,
  },
  PAYMENT_REJECTED: {
    subject: (a) => `Payment of ${a} rejected`,
    lead: (a, ref) => `Your payment of ${a} was rejected (payment ${ref}).`,
  },
  PAYMENT_FAILED: {
    subject: (a) => `Payment of ${a} failed`,
    lead: (a, ref) => `Your payment of ${a} could not be paid out (payment ${ref}).`,
  },
  PAYMENT_CANCELLED: {
    subject: (a) => `Payment of ${a} cancelled`,
    lead: (a, ref) => `Your payment of ${a} was cancelled (payment ${ref}).`,
  },
  PAYMENT_REFUNDED: {
    subject: (a) => `Payment of ${a} refunded`,
    lead: (a, ref) => `Your payment of ${a} has been refunded (payment ${ref}).`,
  },
};

/** Amounts are written the way the currency is (JPY without decimals, KWD with three). */
export const formatAmount = (amountMinor: number, currency: string): string =>
  Money.of(amountMinor, currency).format('en-US');

/** Renders the subject and body every channel sends for one payment event. */
export function renderNotificationContent(
  type: NotificationType,
  facts: NotificationFacts,
  partnerName: string,
): NotificationContent {
  const amount = formatAmount(facts.amountMinor, facts.currency);
  const wording = WORDING[type];
  const lines = [`Hello ${partnerName},`, '', wording.lead(amount, facts.paymentId)];
  if (facts.reason) lines.push(`Reason: ${facts.reason}`);
  lines.push('', `Amount: ${amount}`, `Date: ${facts.occurredAt}`, '', '— Alpes Partners');
  return { subject: `Alpes Partners: ${wording.subject(amount)}`, body: lines.join('\n') };
}
