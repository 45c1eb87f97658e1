import { partnerFacingReason } from './bank-reason';
import { DomainError } from './domain-error';
import { Money } from './money.value-object';
import {
  isPartnerActionFacts,
  isPartnerActionNotificationType,
  isPayoutAccountFacts,
  isPayoutAccountNotificationType,
  NotificationErrorCodes,
  type NotificationContent,
  type NotificationFacts,
  type NotificationType,
  type PartnerActionEventType,
  type PartnerActionNotificationFacts,
  type PartnerActionNotificationType,
  type PaymentNotificationFacts,
  type PaymentNotificationType,
  type PayoutAccountEventType,
  type PayoutAccountNotificationFacts,
  type PayoutAccountNotificationType,
} from './notification.aggregate';
import type { PaymentEventType } from './payment-events';

/** The events a partner hears about, and what each is called as a notification type. */
const TYPE_BY_EVENT: Partial<
  Record<PaymentEventType | PayoutAccountEventType | PartnerActionEventType, NotificationType>
> = {
  PaymentCreated: 'PAYMENT_CREATED',
  PaymentAwaitingApproval: 'PAYMENT_AWAITING_APPROVAL',
  PaymentCompleted: 'PAYMENT_COMPLETED',
  PaymentRejected: 'PAYMENT_REJECTED',
  PaymentFailed: 'PAYMENT_FAILED',
  PaymentCancelled: 'PAYMENT_CANCELLED',
  PaymentRefunded: 'PAYMENT_REFUNDED',
  PaymentReturned: 'PAYMENT_RETURNED',
  PartnerPayoutAccountChangeRequested: 'PAYOUT_ACCOUNT_CHANGE_REQUESTED',
  PartnerPayoutAccountChangeApproved: 'PAYOUT_ACCOUNT_CHANGE_APPROVED',
  PartnerPayoutAccountChangeCancelled: 'PAYOUT_ACCOUNT_CHANGE_CANCELLED',
  PartnerTaxFormExpiring: 'TAX_FORM_EXPIRING',
  PartnerSkippedInSettlement: 'PAYOUT_SKIPPED',
};

/**
 * Undefined for events that are internal steps (a payment approved or processing; a payout-account
 * change written down after its cool-off), not news for the partner.
 */
export function notificationTypeOf(eventType: string): NotificationType | undefined {
  return Object.hasOwn(TYPE_BY_EVENT, eventType)
    ? TYPE_BY_EVENT[eventType as PaymentEventType | PayoutAccountEventType | PartnerActionEventType]
    : undefined;
}

export function requireNotificationType(eventType: string): NotificationType {
  const type = notificationTypeOf(eventType);
  if (!type) {
    throw new DomainError(
      NotificationErrorCodes.UNKNOWN_EVENT_TYPE,
      `Event ${eventType} has no notification`,
      { eventType },
    );
  }
  return type;
}

interface Wording {
  subject: (amount: string) => string;
  lead: (amount: string, ref: string) => string;
}

const WORDING: Record<PaymentNotificationType, Wording> = {
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
  PAYMENT_RETURNED: {
    subject: (a) => `Payment of ${a} returned by your bank`,
    lead: (a, ref) =>
      `Your bank sent back your payment of ${a} (payment ${ref}). We will pay it again in a later run, once your payout method has been updated.`,
  },
};

/** Amounts are written the way the currency is (JPY without decimals, KWD with three). */
export const formatAmount = (amountMinor: number, currency: string): string =>
  Money.of(amountMinor, currency).format('en-US');

const misfit = (type: NotificationType, facts: NotificationFacts): DomainError =>
  new DomainError(
    NotificationErrorCodes.INVALID_CONTENT,
    `${type} cannot be rendered from a ${facts.eventType} event`,
    { type, eventType: facts.eventType },
  );

/** Renders the subject and body every channel sends for one event. */
export function renderNotificationContent(
  type: NotificationType,
  facts: NotificationFacts,
  partnerName: string,
): NotificationContent {
  if (isPayoutAccountNotificationType(type)) {
    if (!isPayoutAccountFacts(facts)) throw misfit(type, facts);
    return renderPayoutAccountNotice(type, facts, partnerName);
  }
  if (isPartnerActionNotificationType(type)) {
    if (!isPartnerActionFacts(facts)) throw misfit(type, facts);
    return renderPartnerActionNotice(type, facts, partnerName);
  }
  if (isPayoutAccountFacts(facts) || isPartnerActionFacts(facts)) throw misfit(type, facts);
  return renderPaymentNotice(type, facts, partnerName);
}

/**
 * A notice asking the partner to act: what is wrong, what to do (payability's own sentence, the
 * same the portal shows), and by when or for which run.
 */
function renderPartnerActionNotice(
  type: PartnerActionNotificationType,
  f: PartnerActionNotificationFacts,
  partnerName: string,
): NotificationContent {
  let subject: string;
  let lead: string[];
  switch (type) {
    case 'TAX_FORM_EXPIRING':
      subject = `Your ${f.formType ?? 'tax'} form expires on ${f.expiresOn ?? 'soon'}`;
      lead = [
        `Your ${f.formType ?? 'tax'} form is valid through ${f.expiresOn ?? 'its expiry date'}.`,
        'Without a valid, approved form we cannot pay you: submit a new, signed one before then.',
      ];
      break;
    case 'PAYOUT_SKIPPED':
      subject = `You were not paid in this run: action needed`;
      lead = [
        `The settlement run ${f.settlementId ?? ''} did not pay your ${f.currencies.join(', ')} balance.`,
        'Your balance is kept and carries forward to the next run once this is fixed.',
      ];
      break;
  }
  const lines = [
    `Hello ${partnerName},`,
    '',
    ...lead,
    '',
    `Reason: ${f.reason}`,
    `What to do: ${f.whatToDo}`,
  ];
  lines.push('', `Date: ${f.occurredAt}`, '', '— Alpes Partners');
  return { subject: `Alpes Partners: ${subject}`, body: lines.join('\n') };
}

function renderPaymentNotice(
  type: PaymentNotificationType,
  facts: PaymentNotificationFacts,
  partnerName: string,
): NotificationContent {
  const amount = formatAmount(facts.amountMinor, facts.currency);
  const wording = WORDING[type];
  const lines = [`Hello ${partnerName},`, '', wording.lead(amount, facts.paymentId)];
  if (facts.reason) lines.push(`Reason: ${partnerFacingReason(facts.reason)}`);
  lines.push('', `Amount: ${amount}`, `Date: ${facts.occurredAt}`, '', '— Alpes Partners');
  return { subject: `Alpes Partners: ${wording.subject(amount)}`, body: lines.join('\n') };
}

/**
 * A payout-account notice. Security mail: says what changes, from which account to which (masked),
 * when, and what to do if the partner did not ask for it. Names no operator.
 */
function renderPayoutAccountNotice(
  type: PayoutAccountNotificationType,
  f: PayoutAccountNotificationFacts,
  partnerName: string,
): NotificationContent {
  const ifNotYou = (deadline: string | null): string =>
    deadline
      ? `If you did not ask for this, contact us before ${deadline}: until then your payouts keep going to ${f.fromAccount}.`
      : `If you did not ask for this, contact us at once.`;
  let subject: string;
  let lead: string[];
  switch (type) {
    case 'PAYOUT_ACCOUNT_CHANGE_REQUESTED':
      subject = `Change of your payout account to ${f.toAccount} requested`;
      lead = [
        `We were asked to pay you into a different bank account (${f.toAccount}) instead of ${f.fromAccount}.`,
        'A second person at Alpes Partners must approve the change, and it then waits a cool-off period' +
          (f.earliestEffectiveAt ? `: it cannot take effect before ${f.earliestEffectiveAt}.` : '.'),
        ifNotYou(f.earliestEffectiveAt),
      ];
      break;
    case 'PAYOUT_ACCOUNT_CHANGE_APPROVED':
      subject = `Your payout account changes to ${f.toAccount}`;
      lead = [
        `The change of your payout account from ${f.fromAccount} to ${f.toAccount} was approved.`,
        `It takes effect at ${f.effectiveAt ?? 'the end of the cool-off'}: payments approved from then on go to ${f.toAccount}.`,
        ifNotYou(f.effectiveAt),
      ];
      break;
    case 'PAYOUT_ACCOUNT_CHANGE_CANCELLED':
      subject = `Change of your payout account to ${f.toAccount} withdrawn`;
      lead = [
        `The requested change of your payout account to ${f.toAccount} was withdrawn.`,
        `Your payouts keep going to ${f.fromAccount}.`,
      ];
      break;
  }
  const lines = [`Hello ${partnerName},`, '', ...lead];
  if (f.reason) lines.push(`Reason: ${f.reason}`);
  lines.push(
    '',
    `Current account: ${f.fromAccount}`,
    `Requested account: ${f.toAccount}`,
    ...(f.effectiveAt ? [`Takes effect: ${f.effectiveAt}`] : []),
    `Date: ${f.occurredAt}`,
    '',
    '— Alpes Partners',
  );
  return { subject: `Alpes Partners: ${subject}`, body: lines.join('\n') };
}
