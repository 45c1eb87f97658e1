import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { PayoutResolution } from '../activities/payout-janitor.activities.types';
import type { NotifiablePaymentEventType } from '../ports/notification.port';
import type { DecisionInput, PaymentWorkflowSettings } from './payment.messages';

/**
 * The payment workflow's decisions: pure functions of a status, a failure or a message, which
 * the flow (payment.workflow.ts) consults. Nothing here issues a command, so nothing here is
 * recorded in history; it runs inside the workflow sandbox (no Node built-ins, no adapters).
 */

/** Statuses a payment ends in: nothing is done after them but waiting for handlers and notices. */
const FINAL_STATUSES = ['FAILED', 'REJECTED', 'CANCELLED', 'REFUNDED', 'RETURNED'];

export const isFinal = (status: string): boolean => FINAL_STATUSES.includes(status);

/**
 * What recordPayment answers on the path every run has taken: the payment as just recorded
 * (PENDING, or PROCESSING when no approval is needed), or already ended. Anything else means that
 * steps after it had committed before this run, which then resumes from the recorded state.
 */
const ORDINARY_RECORD_STATUSES = ['PENDING', 'PROCESSING', ...FINAL_STATUSES];

export const isOrdinaryRecordResult = (status: string): boolean => ORDINARY_RECORD_STATUSES.includes(status);

/** Statuses in which the payout has started: cancelling is refused, startProcessing is behind it. */
const PAYOUT_UNDER_WAY_STATUSES = ['PROCESSING', 'PAYOUT_UNKNOWN', 'COMPLETED', 'COMPENSATION_FAILED'];

export const isPayoutUnderWay = (status: string): boolean => PAYOUT_UNDER_WAY_STATUSES.includes(status);

/** The payment event a partner hears about when the payment reaches a status (none for the others). */
const PARTNER_NOTICE_BY_STATUS: Partial<Record<string, NotifiablePaymentEventType>> = {
  PENDING: 'PaymentCreated',
  AWAITING_APPROVAL: 'PaymentAwaitingApproval',
  COMPLETED: 'PaymentCompleted',
  REJECTED: 'PaymentRejected',
  FAILED: 'PaymentFailed',
  CANCELLED: 'PaymentCancelled',
  REFUNDED: 'PaymentRefunded',
};

export const partnerNoticeFor = (status: string): NotifiablePaymentEventType | undefined =>
  PARTNER_NOTICE_BY_STATUS[status];

/** Refusals raised by update validators: rejected before anything reaches history. */
export const refuse = (code: string, message: string): never => {
  throw ApplicationFailure.create({ type: code, message, nonRetryable: true });
};

export const requireActor = (input: DecisionInput | undefined): void => {
  if (!input || typeof input.actor !== 'string' || input.actor.trim() === '') {
    refuse('PAYMENT.ACTOR_REQUIRED', 'an actor is required');
  }
};

/** Asked for approval and not approved yet: an operator's approval or rejection is awaited. */
export const awaitsDecision = (status: string, approvedBy: string | null): boolean =>
  status === 'AWAITING_APPROVAL' && !approvedBy;

/** What a decision rule looks at besides the status. */
export interface DecisionFacts {
  approvedBy: string | null;
  /** Set once the payout is about to start: from then on cancelling is refused. */
  payoutStarted: boolean;
}

/** When an operator decision may run, and the refusal when it may not. */
export interface DecisionRule {
  code: string;
  /** The refusal's code when it depends on the status (else `code`). */
  codeFor?(status: string): string;
  allows(status: string, facts: DecisionFacts): boolean;
  refusal(status: string): string;
}

/** Approve and reject. */
export const awaitingDecision: DecisionRule = {
  code: 'PAYMENT.NOT_AWAITING_APPROVAL',
  allows: (s, facts) => awaitsDecision(s, facts.approvedBy),
  refusal: (s) => `a ${s} payment is not awaiting approval`,
};

export const cancellable: DecisionRule = {
  code: 'PAYMENT.NOT_CANCELLABLE',
  allows: (s, facts) => !facts.payoutStarted && (s === 'PENDING' || s === 'AWAITING_APPROVAL'),
  refusal: (s) => `a ${s} payment can no longer be cancelled`,
};

/** The refusal of a refund (or a second return) of a payment the bank returned. */
export const RETURNED_CODE = 'PAYMENT.RETURNED';

export const refundable: DecisionRule = {
  code: 'PAYMENT.NOT_REFUNDABLE',
  codeFor: (s) => (s === 'RETURNED' ? RETURNED_CODE : 'PAYMENT.NOT_REFUNDABLE'),
  allows: (s) => s === 'COMPLETED',
  refusal: (s) =>
    s === 'RETURNED'
      ? 'the bank returned this payment: it cannot be refunded'
      : `a ${s} payment cannot be refunded`,
};

/** A step refused because the payment is RETURNED (reconciliation recorded it; its signal was lost). */
export function isReturnedRefusal(err: unknown): boolean {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure && cause.type === RETURNED_CODE;
}

/**
 * Provider failures that prove the payout was not made: the bank refused it, or it was never sent
 * (a payout hold). Anything else (timeouts, resets, 5xx until PAYOUT_TIMEOUT) leaves the outcome
 * unknown. A reused key is our bug and says nothing about what the first request did.
 */
const KNOWN_NOT_PAID = ['PAYOUT_DECLINED', 'PAYOUT_VOIDED', 'PAYOUT_PROVIDER_REJECTED'];

/** Only a refusal the bank or we gave proves that no money moved; see KNOWN_NOT_PAID. */
export function provesNotPaid(err: unknown): boolean {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (!(cause instanceof ApplicationFailure) || !cause.nonRetryable || !cause.type) return false;
  if (cause.type === 'PAYOUT_PROVIDER_REJECTED') {
    const details = cause.details?.[0] as { providerCode?: unknown } | undefined;
    return details?.providerCode !== 'IDEMPOTENCY_KEY_REUSED';
  }
  // Domain refusals raised before the request left (a payout hold, an unknown partner) too.
  return KNOWN_NOT_PAID.includes(cause.type) || cause.type.includes('.');
}

/** A well-formed janitor answer: anything else sent as `resolvePayout` is ignored. */
export function isResolution(r: unknown): r is PayoutResolution {
  const v = r as Partial<Record<string, unknown>> | null;
  if (!v || typeof v !== 'object') return false;
  if (v.outcome === 'PAID') return typeof v.payoutReference === 'string' && v.payoutReference !== '';
  return v.outcome === 'NOT_PAID' && typeof v.code === 'string' && typeof v.reason === 'string';
}

/** The provider's business refusal code when there is one (e.g. PAYOUT_DECLINED), else a generic reason. */
export function failureReason(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.type) return `${cause.type}: ${cause.message}`;
  return 'payout_failed';
}

const minutes = (ms: number): string =>
  ms >= 86_400_000 ? `${Math.round(ms / 86_400_000)} d` : `${Math.round(ms / 60_000)} min`;

/** What the payment is and what it waits for, in the Web UI's "current details". */
export function currentDetails(status: string, settings: PaymentWorkflowSettings): string {
  switch (status) {
    case 'AWAITING_APPROVAL':
      return `**Awaiting approval** by an operator other than its creator; rejected after ${minutes(settings.approvalTimeoutMs)} without a decision.`;
    case 'PROCESSING':
      return '**Processing**: paying out through the bank (retried with backoff).';
    case 'COMPLETED':
      return `**Completed**: paid; open for a refund for ${minutes(settings.refundWindowMs)}, then the workflow closes.`;
    case 'RETURNED':
      return '**Returned** by the bank: its commissions are owed again and paid by a later run.';
    case 'PAYOUT_UNKNOWN':
      return '**Payout unknown**: waiting for the janitor to ask the bank by the payout’s idempotency key.';
    default:
      return `**${status}**`;
  }
}
