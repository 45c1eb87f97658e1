import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  defineQuery,
  defineUpdate,
  isCancellation,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { PaymentActivities } from '../activities/payment.activities';
import type { CommissionLineInput, PaymentStepResult } from '../activities/payment.activities.types';
import { PaymentStatusKey } from './search-attributes';

export interface PaymentWorkflowSettings {
  activityStartToCloseMs: number;
  retryInitialIntervalMs: number;
  retryMaxIntervalMs: number;
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
  settings: PaymentWorkflowSettings;
}

export interface PaymentWorkflowResult {
  paymentId: string;
  status: string;
  reason: string | null;
}

export interface PaymentState {
  paymentId: string;
  partnerId: string;
  currency: string;
  totalMinor: number;
  status: string;
  createdBy: string;
  approvedBy: string | null;
  reason: string | null;
  payoutReference: string | null;
  refundReference: string | null;
}

export interface DecisionInput {
  actor: string;
  reason?: string | null;
}

export const getStateQuery = defineQuery<PaymentState>('getState');
export const approveUpdate = defineUpdate<PaymentState, [DecisionInput]>('approve');
export const rejectUpdate = defineUpdate<PaymentState, [DecisionInput]>('reject');
export const cancelUpdate = defineUpdate<PaymentState, [DecisionInput]>('cancel');
export const refundUpdate = defineUpdate<PaymentState, [DecisionInput]>('refund');

const FINAL = ['FAILED', 'REJECTED', 'CANCELLED', 'REFUNDED'];

/** Refusals raised by update validators: rejected before anything reaches history. */
const refuse = (code: string, message: string): never => {
  throw ApplicationFailure.create({ type: code, message, nonRetryable: true });
};

const requireActor = (input: DecisionInput | undefined): void => {
  if (!input || typeof input.actor !== 'string' || input.actor.trim() === '') {
    refuse('PAYMENT.ACTOR_REQUIRED', 'an actor is required');
  }
};

/**
 * One payout, PENDING → [AWAITING_APPROVAL] → PROCESSING → COMPLETED → [REFUNDED], or FAILED,
 * REJECTED, CANCELLED. Every step is an activity that commits the state change and its events;
 * operator decisions arrive as validated Updates. Steps never interleave: the main flow and the
 * update handlers take turns through `exclusive`.
 */
export async function paymentWorkflow(input: PaymentWorkflowInput): Promise<PaymentWorkflowResult> {
  const { settings, paymentId } = input;
  const retry = {
    initialInterval: settings.retryInitialIntervalMs,
    maximumInterval: settings.retryMaxIntervalMs,
    backoffCoefficient: 2,
  };
  const acts = proxyActivities<PaymentActivities>({
    startToCloseTimeout: settings.activityStartToCloseMs,
    retry,
  });
  const provider = proxyActivities<PaymentActivities>({
    startToCloseTimeout: settings.activityStartToCloseMs,
    scheduleToCloseTimeout: settings.payoutScheduleToCloseMs,
    heartbeatTimeout: Math.min(settings.activityStartToCloseMs, 10_000),
    retry,
  });

  const state: PaymentState = {
    paymentId,
    partnerId: input.partnerId,
    currency: input.currency,
    totalMinor: input.lines.reduce((sum, l) => sum + l.amountMinor, 0),
    status: 'PENDING',
    createdBy: input.createdBy,
    approvedBy: null,
    reason: null,
    payoutReference: null,
    refundReference: null,
  };
  /** Set once the payout is about to start: from then on cancelling is refused. */
  let payoutStarted = false;
  let busy = false;

  const exclusive = async <T>(step: () => Promise<T>): Promise<T> => {
    await condition(() => !busy);
    busy = true;
    try {
      return await step();
    } finally {
      busy = false;
    }
  };

  const apply = (result: PaymentStepResult): void => {
    const changed = result.status !== state.status;
    state.status = result.status;
    state.totalMinor = result.totalMinor;
    state.approvedBy = result.approvedBy;
    state.reason = result.reason;
    if (changed) upsertSearchAttributes([{ key: PaymentStatusKey, value: result.status }]);
  };

  setHandler(getStateQuery, () => state);

  setHandler(
    approveUpdate,
    (decision) =>
      exclusive(async () => {
        if (state.status !== 'AWAITING_APPROVAL' || state.approvedBy) {
          refuse('PAYMENT.NOT_AWAITING_APPROVAL', `a ${state.status} payment is not awaiting approval`);
        }
        apply(await acts.approvePayment({ paymentId, actor: decision.actor }));
        return state;
      }),
    {
      validator: (decision) => {
        requireActor(decision);
        if (state.status !== 'AWAITING_APPROVAL' || state.approvedBy) {
          refuse('PAYMENT.NOT_AWAITING_APPROVAL', `a ${state.status} payment is not awaiting approval`);
        }
        if (decision.actor === state.createdBy) {
          refuse('PAYMENT.FOUR_EYES_VIOLATION', 'the creator of a payment cannot approve it');
        }
      },
    },
  );

  setHandler(
    rejectUpdate,
    (decision) =>
      exclusive(async () => {
        if (state.status !== 'AWAITING_APPROVAL' || state.approvedBy) {
          refuse('PAYMENT.NOT_AWAITING_APPROVAL', `a ${state.status} payment is not awaiting approval`);
        }
        apply(
          await acts.rejectPayment({
            paymentId,
            actor: decision.actor,
            reason: decision.reason ?? 'rejected',
          }),
        );
        return state;
      }),
    {
      validator: (decision) => {
        requireActor(decision);
        if (state.status !== 'AWAITING_APPROVAL' || state.approvedBy) {
          refuse('PAYMENT.NOT_AWAITING_APPROVAL', `a ${state.status} payment is not awaiting approval`);
        }
      },
    },
  );

  const cancellable = (): boolean =>
    !payoutStarted && (state.status === 'PENDING' || state.status === 'AWAITING_APPROVAL');
  setHandler(
    cancelUpdate,
    (decision) =>
      exclusive(async () => {
        if (!cancellable())
          refuse('PAYMENT.NOT_CANCELLABLE', `a ${state.status} payment can no longer be cancelled`);
        apply(
          await acts.cancelPayment({ paymentId, actor: decision.actor, reason: decision.reason ?? null }),
        );
        return state;
      }),
    {
      validator: (decision) => {
        requireActor(decision);
        if (!cancellable())
          refuse('PAYMENT.NOT_CANCELLABLE', `a ${state.status} payment can no longer be cancelled`);
      },
    },
  );

  setHandler(
    refundUpdate,
    (decision) =>
      exclusive(async () => {
        if (state.status !== 'COMPLETED')
          refuse('PAYMENT.NOT_REFUNDABLE', `a ${state.status} payment cannot be refunded`);
        const receipt = await provider.refundPayout({ paymentId, payoutReference: state.payoutReference! });
        apply(
          await acts.markRefunded({
            paymentId,
            actor: decision.actor,
            reason: decision.reason ?? null,
            refundReference: receipt.reference,
          }),
        );
        state.refundReference = receipt.reference;
        return state;
      }),
    {
      validator: (decision) => {
        requireActor(decision);
        if (state.status !== 'COMPLETED')
          refuse('PAYMENT.NOT_REFUNDABLE', `a ${state.status} payment cannot be refunded`);
      },
    },
  );

  const finish = async (): Promise<PaymentWorkflowResult> => {
    await condition(allHandlersFinished);
    return { paymentId, status: state.status, reason: state.reason };
  };

  const recorded = await exclusive(() =>
    acts.recordPayment({
      paymentId,
      partnerId: input.partnerId,
      currency: input.currency,
      lines: input.lines,
      createdBy: input.createdBy,
      declaredTotalMinor: input.declaredTotalMinor,
    }),
  );
  apply(recorded);

  if (recorded.requiresApproval && state.status === 'PENDING') {
    apply(
      await exclusive(() =>
        state.status === 'PENDING' ? acts.requestApproval({ paymentId }) : Promise.resolve(stateAsResult()),
      ),
    );
    const decided = await condition(
      () => !busy && (state.approvedBy !== null || FINAL.includes(state.status)),
      settings.approvalTimeoutMs,
    );
    if (!decided) {
      apply(
        await exclusive(() =>
          state.status === 'AWAITING_APPROVAL' && !state.approvedBy
            ? acts.rejectPayment({ paymentId, actor: 'system', reason: 'approval_timeout' })
            : Promise.resolve(stateAsResult()),
        ),
      );
    }
  }
  if (FINAL.includes(state.status)) return finish();

  // The payout starts here; `payoutStarted` closes the cancel window before the first await.
  const proceed = await exclusive(async () => {
    if (FINAL.includes(state.status)) return false;
    payoutStarted = true;
    apply(await acts.startProcessing({ paymentId }));
    return true;
  });
  if (!proceed) return finish();

  /** Saga: each completed money movement pushes its undo; they run last-in-first-out on failure. */
  const compensations: Array<() => Promise<unknown>> = [];
  try {
    const receipt = await provider.payOut({ paymentId });
    state.payoutReference = receipt.reference;
    compensations.push(() => provider.compensatePayout({ paymentId, payoutReference: receipt.reference }));
    apply(await acts.completePayment({ paymentId, payoutReference: receipt.reference }));
  } catch (err) {
    if (isCancellation(err)) throw err;
    for (const undo of compensations.reverse()) await undo();
    apply(await acts.failPayment({ paymentId, reason: failureReason(err) }));
    return finish();
  }

  // Stay reachable for a refund for a while, then close.
  await condition(() => state.status !== 'COMPLETED', settings.refundWindowMs);
  return finish();

  function stateAsResult(): PaymentStepResult {
    return { ...state, version: 0 };
  }
}

/** The provider's business refusal code when there is one (e.g. PAYOUT_DECLINED), else a generic reason. */
function failureReason(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.type) return `${cause.type}: ${cause.message}`;
  return 'payout_failed';
}
