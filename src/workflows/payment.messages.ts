import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CommissionLineInput } from '../activities/payment.activities.types';
import type { PayoutResolution } from '../activities/payout-janitor.activities.types';
import type { LivePaymentState } from '../ports/payment.port';
import type { ActivityRetrySettings } from './activity-retry';

/**
 * The payment workflow's messages: what its clients (the API's Temporal adapter, the settlement
 * run, the payout janitor) send it and get back. Its code stays in payment.workflow.ts, which only
 * the workflow bundle loads.
 */

/** The workflow type: what the worker registers `paymentWorkflow` under, and what clients start. */
export const paymentWorkflowType = 'paymentWorkflow';
/** Its signature, for starts by type name: `client.workflow.start<PaymentWorkflow>(paymentWorkflowType, …)`. */
export type PaymentWorkflow = (input: PaymentWorkflowInput) => Promise<PaymentWorkflowResult>;

export interface PaymentWorkflowSettings extends ActivityRetrySettings {
  /** How long a payment above its currency's threshold waits for a decision before it is rejected. */
  approvalTimeoutMs: number;
  /** How long a completed payment's workflow stays open to accept a refund. */
  refundWindowMs: number;
  /** Give up on an unreachable provider after this long (the payment then fails). */
  payoutScheduleToCloseMs: number;
}

export interface PaymentWorkflowInput {
  paymentId: string;
  partnerId: string;
  currency: string;
  lines: CommissionLineInput[];
  createdBy: string;
  declaredTotalMinor?: number;
  /** Hash of the request that created it: a retry with the same idempotency key must match it. */
  requestHash?: string;
  /** Set by a settlement run: the lines are the commissions it claimed for this payment (`lines` is empty). */
  settlementId?: string;
  settings: PaymentWorkflowSettings;
}

export interface PaymentWorkflowResult {
  paymentId: string;
  status: string;
  reason: string | null;
}

/** What `getState` answers: the live state the API reads, and the payout's and refund's references. */
export interface PaymentState extends LivePaymentState {
  payoutReference: string | null;
  refundReference: string | null;
}

/**
 * The operator decision's proof of origin, checked inside the workflow (decision-assertion.ts). The
 * API signs each decision it forwards (Ed25519) — bound to the payment, the action and the actor,
 * and short-lived — so reaching the Temporal frontend is not enough to approve a payment in
 * someone's name. Only the public key ever enters workflow code and history.
 */
export interface DecisionAssertion {
  /** Epoch milliseconds after which the assertion is refused. */
  expiresAt: number;
  /** Ed25519 signature (hex) of `decisionMessage(…)`. */
  signature: string;
}

export interface DecisionClaim {
  paymentId: string;
  action: 'approve' | 'reject' | 'cancel' | 'refund';
  actor: string;
  expiresAt: number;
}

/** The exact bytes signed: one field per line, so no field can bleed into another. */
export const decisionMessage = (c: DecisionClaim): string =>
  ['alpes-decision-v1', c.paymentId, c.action, c.actor, String(c.expiresAt)].join('\n');

export interface DecisionInput {
  actor: string;
  reason?: string | null;
  /** The API's signature over (payment, action, actor): without a valid one the decision is refused. */
  assertion?: DecisionAssertion;
  /** Refund only: the refunded commissions must not be paid again (else they return to PAYABLE). */
  reverseCommissions?: boolean;
}

export const getStateQuery = defineQuery<PaymentState>('getState');
export const approveUpdate = defineUpdate<PaymentState, [DecisionInput]>('approve');
export const rejectUpdate = defineUpdate<PaymentState, [DecisionInput]>('reject');
export const cancelUpdate = defineUpdate<PaymentState, [DecisionInput]>('cancel');
export const refundUpdate = defineUpdate<PaymentState, [DecisionInput]>('refund');
/**
 * The payout janitor's answer for a payment whose payout outcome was unknown: what the bank says
 * it did under the payout's idempotency key. Ignored unless the payment is waiting for it.
 */
export const resolvePayoutSignal = defineSignal<[PayoutResolution]>('resolvePayout');

/** What reconciliation tells a payment's workflow when the bank returned its payout. */
export interface PayoutReturnedInput {
  /** ISO return reason code (AC04, MD07, …), null for a proprietary one. */
  returnCode: string | null;
  /** The bank's code and text, as recorded on the payment. */
  reason: string;
}

/**
 * Sent by reconciliation after it recorded the payment RETURNED (its commit): the refund window
 * ends and any later refund is refused. Ignored unless the workflow holds the payment COMPLETED.
 * A workflow already closed or never started is fine: the return was recorded without it.
 */
export const payoutReturnedSignal = defineSignal<[PayoutReturnedInput]>('payoutReturned');
