import {
  isPartnerActionEventType,
  isPayoutAccountEventType,
  type PartnerActionNotificationFacts,
  type PayoutAccountNotificationFacts,
} from './notification.aggregate';
import type { DomainEvent } from './domain-event';

/**
 * A payout-account change to tell the partner about: the notification facts, addressed to the
 * partner, with the id of the partner event it comes from. Plain data: it crosses the Temporal
 * boundary as the partner notification workflow's signal.
 */
export type PayoutAccountNotice = {
  partnerId: string;
  /**
   * `<partner event id>:<event type>`: derived from the event, never drawn when sending, so a
   * notice sent twice (a relay retry after a lost answer) is recognised as the same one.
   */
  sourceEventId: string;
} & PayoutAccountNotificationFacts;

/**
 * A notice asking the partner to act (their tax form expires, a run left them out), addressed to
 * the partner, with the id of the partner event it comes from (`<event id>:<event type>`).
 */
export type PartnerActionNotice = {
  partnerId: string;
  sourceEventId: string;
} & PartnerActionNotificationFacts;

/** A partner event as written or as read back from the event log. */
export interface PartnerEventLike {
  id: string;
  type: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

/**
 * Events written outside a payment's workflow that the partner is told about through the outbox:
 * payout-account changes (requested, approved, cancelled), calls to act (a tax form expiring, a run
 * that left them out) and a payout the bank returned (applied by reconciliation, which has no
 * workflow step to send it).
 */
export const callsForPartnerNotice = (event: { type: string }): boolean =>
  isPayoutAccountEventType(event.type) ||
  isPartnerActionEventType(event.type) ||
  event.type === 'PaymentReturned';

/**
 * A returned payout as the partner's notification workflow takes a payment notice. The source
 * event id is the payment's own (`<payment>:PaymentReturned`), as the workflow's notices are: a
 * payment is returned once, and a repeat is dropped by it.
 */
export type ReturnedPaymentNotice = {
  partnerId: string;
  sourceEventId: string;
  eventType: 'PaymentReturned';
  paymentId: string;
  amountMinor: number;
  currency: string;
  /** The bank's code and text; rendered in partner-facing words (bank-reason.ts). */
  reason: string | null;
  occurredAt: string;
};

export function returnedPaymentNoticeOf(event: PartnerEventLike): ReturnedPaymentNotice | undefined {
  const paymentId = text(event.data.paymentId);
  const partnerId = text(event.data.partnerId);
  const currency = text(event.data.currency);
  const amountMinor = event.data.amountMinor;
  if (event.type !== 'PaymentReturned' || !paymentId || !partnerId || !currency) return undefined;
  if (typeof amountMinor !== 'number' || !Number.isSafeInteger(amountMinor)) return undefined;
  return {
    partnerId,
    sourceEventId: `${paymentId}:PaymentReturned`,
    eventType: 'PaymentReturned',
    paymentId,
    amountMinor,
    currency,
    reason: text(event.data.reason),
    occurredAt: event.occurredAt,
  };
}

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * The notice a partner event calls for, or undefined: events that are not account changes, and
 * `PartnerPayoutAccountChanged` (written down lazily after the cool-off; the approval already said
 * when). `cooloffMs` gives a request its earliest effective time. Read from the event log, so the
 * data is checked rather than trusted.
 */
export function payoutAccountNoticeOf(
  event: PartnerEventLike,
  cooloffMs: number,
): PayoutAccountNotice | undefined {
  const eventType = event.type;
  const partnerId = text(event.data.partnerId);
  const fromAccount = text(event.data.fromAccount);
  const toAccount = text(event.data.toAccount);
  if (!isPayoutAccountEventType(eventType) || !partnerId || !fromAccount || !toAccount) return undefined;
  return {
    partnerId,
    sourceEventId: `${event.id}:${eventType}`,
    eventType,
    fromAccount,
    toAccount,
    effectiveAt: eventType === 'PartnerPayoutAccountChangeApproved' ? text(event.data.effectiveAt) : null,
    earliestEffectiveAt:
      eventType === 'PartnerPayoutAccountChangeRequested'
        ? new Date(Date.parse(event.occurredAt) + Math.max(0, cooloffMs)).toISOString()
        : null,
    reason: text(event.data.reason),
    occurredAt: event.occurredAt,
  };
}

/**
 * A payment's partner notice that could not be handed to the partner's notification workflow, even
 * after the activity's retries: the partner will not hear of this step. An event (and the
 * `alpes_partner_notices_undelivered` gauge) makes that visible, not only a log line. The id comes
 * from the workflow (deterministic), so a retried recording never writes it twice.
 */
export function undeliveredNoticeEvent(input: {
  eventId: string;
  paymentId: string;
  partnerId: string;
  eventType: string;
  reason: string;
  occurredAt: string;
}): DomainEvent<'PartnerNoticeUndelivered'> {
  return {
    id: input.eventId,
    type: 'PartnerNoticeUndelivered',
    occurredAt: input.occurredAt,
    aggregate: { type: 'Payment', id: input.paymentId },
    partnerId: input.partnerId,
    data: { paymentId: input.paymentId, eventType: input.eventType, reason: input.reason.slice(0, 500) },
  };
}

/** The notice a partner-action event calls for, or undefined (checked: it is read from the event log). */
export function partnerActionNoticeOf(event: PartnerEventLike): PartnerActionNotice | undefined {
  const eventType = event.type;
  const partnerId = text(event.data.partnerId);
  const reason = text(event.data.reason);
  const whatToDo = text(event.data.whatToDo);
  if (!isPartnerActionEventType(eventType) || !partnerId || !reason || !whatToDo) return undefined;
  const currencies = Array.isArray(event.data.currencies)
    ? event.data.currencies.filter((c): c is string => typeof c === 'string')
    : [];
  return {
    partnerId,
    sourceEventId: `${event.id}:${eventType}`,
    eventType,
    reason,
    whatToDo,
    formType: text(event.data.formType),
    expiresOn: text(event.data.expiresOn),
    settlementId: text(event.data.settlementId),
    currencies,
    occurredAt: event.occurredAt,
  };
}

/** Whichever notice a partner event in the outbox calls for (the relay's one question). */
export const partnerNoticeOf = (
  event: PartnerEventLike,
  cooloffMs: number,
): PayoutAccountNotice | PartnerActionNotice | ReturnedPaymentNotice | undefined =>
  isPartnerActionEventType(event.type)
    ? partnerActionNoticeOf(event)
    : (payoutAccountNoticeOf(event, cooloffMs) ?? returnedPaymentNoticeOf(event));
