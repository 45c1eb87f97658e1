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

/** Partner events the partner is told about: account changes requested, approved, cancelled; calls to act. */
export const callsForPartnerNotice = (event: { type: string }): boolean =>
  isPayoutAccountEventType(event.type) || isPartnerActionEventType(event.type);

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
): PayoutAccountNotice | PartnerActionNotice | undefined =>
  isPartnerActionEventType(event.type)
    ? partnerActionNoticeOf(event)
    : payoutAccountNoticeOf(event, cooloffMs);
