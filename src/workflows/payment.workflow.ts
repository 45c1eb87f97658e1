import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  uuid4,
} from '@temporalio/workflow';
import type { NotificationSignalActivities } from '../activities/notification.activities';
import type { NotifiablePaymentEventType } from '../ports/notification.port';
import type { PaymentActivities } from '../activities/payment.activities';
import type { PaymentStepResult, ProviderStepResult } from '../activities/payment.activities.types';
import type { PayoutResolution } from '../activities/payout-janitor.activities.types';
import { checkDecision } from './decision-assertion';
import { retryPolicy } from './activity-retry';
import {
  awaitingDecision,
  awaitsDecision,
  cancellable,
  currentDetails,
  failureReason,
  isFinal,
  isOrdinaryRecordResult,
  isReturnedRefusal,
  isPayoutUnderWay,
  isResolution,
  partnerNoticeFor,
  provesNotPaid,
  refundable,
  refuse,
  requireActor,
  RETURNED_CODE,
  type DecisionRule,
} from './payment.decisions';
import {
  approveUpdate,
  cancelUpdate,
  getStateQuery,
  payoutReturnedSignal,
  refundUpdate,
  rejectUpdate,
  resolvePayoutSignal,
  type DecisionInput,
  type PaymentState,
  type PaymentWorkflowInput,
  type PaymentWorkflowResult,
} from './payment.messages';
import { PaymentStatusKey } from './search-attributes';

/** The patch a run records when two steps were let through `exclusive` at once, and took turns instead. */
export const STEPS_TAKE_TURNS = 'steps-take-turns';

/** The patch a run records when it resumes from a later recorded state (`resuming`). */
export const RESUME_RECORDED_STATE = 'resume-recorded-state';

/**
 * The patch every new run records in its first workflow task: it resumes and takes turns without
 * asking `patched` mid-run. Asked right after a local step, `patched` answered differently live
 * and in replay when the task that asked was lost (the step's marker sits in the task before):
 * live it recorded the patch, a replay said no — a resumed run then skipped its approval and
 * failed on startProcessing, or failed to replay (crash matrix, lost workflow tasks).
 */
export const PATCHES_AT_START = 'patches-at-start';

/**
 * The patch a run records when it takes reconciliation's `payoutReturned` signal. Asked in the
 * handler, so only returned payments pay for its marker; a history in which a worker without the
 * handler dropped the signal replays without it and goes on waiting, as it did.
 */
export const PAYOUT_RETURNED_SIGNAL = 'payout-returned-signal';

/**
 * One payout, PENDING → [AWAITING_APPROVAL] → PROCESSING → COMPLETED → [REFUNDED], or FAILED,
 * REJECTED, CANCELLED. Every step is an activity that commits the state change and its events;
 * operator decisions arrive as validated Updates. Steps never interleave: the main flow and the
 * update handlers take turns through `exclusive`.
 */
export async function paymentWorkflow(input: PaymentWorkflowInput): Promise<PaymentWorkflowResult> {
  const { settings, paymentId } = input;
  const retry = retryPolicy(settings);
  const regularActivities = proxyActivities<PaymentActivities>({
    startToCloseTimeout: settings.activityStartToCloseMs,
    retry,
  });
  const provider = proxyActivities<PaymentActivities>({
    startToCloseTimeout: settings.activityStartToCloseMs,
    scheduleToCloseTimeout: settings.payoutScheduleToCloseMs,
    heartbeatTimeout: Math.min(settings.activityStartToCloseMs, 10_000),
    retry,
  });

  const noticeOptions = {
    startToCloseTimeout: settings.activityStartToCloseMs,
    retry: { ...retry, maximumAttempts: 20 },
  };
  // Steps that only touch our database, and the notices (one signal-with-start each), run as local
  // activities: in the worker that runs the workflow task, recorded as one marker each, with no
  // activity task to schedule, dispatch and report. Payments started before keep regular ones.
  // This path includes every earlier patch, so it is the only one a new payment records: each
  // `patched` call costs a marker and a TemporalChangeVersion upsert (a visibility write).
  const localSteps = patched('local-db-steps');
  // Histories recorded before partners were notified replay without the notices.
  const notifyPartners = localSteps || patched('notify-partners');
  // Payments started before decisions were signed keep accepting their unsigned decisions.
  const signedDecisions = localSteps || patched('signed-decisions');
  // Payments started before unknown payout outcomes existed fail on them as they always did, and a
  // failed compensation fails their workflow; newer ones wait for the janitor / record the failure.
  const unknownOutcomes = localSteps || patched('unknown-payout-outcomes');
  // Payments started before this only logged a notice they gave up on; newer ones record it.
  const recordUndelivered = localSteps || patched('record-undelivered-notices');
  const patchesAtStart = patched(PATCHES_AT_START);
  const db = localSteps
    ? proxyLocalActivities<PaymentActivities>({ startToCloseTimeout: settings.activityStartToCloseMs, retry })
    : regularActivities;
  const notices = localSteps
    ? proxyLocalActivities<NotificationSignalActivities>({
        ...noticeOptions,
        // A notice that keeps failing backs off on a timer, not inside the workflow task: the
        // payout never waits on it, and the worker's workflow-task slots stay free.
        localRetryThreshold: 1,
      })
    : proxyActivities<NotificationSignalActivities>(noticeOptions);
  /** Set while the payment waits for the janitor; the signal is taken only then, and only once. */
  let awaitingResolution = false;
  let resolution: PayoutResolution | undefined = undefined;
  /** The API's public key, as the worker that recorded the payment knows it (never from the input). */
  let decisionKey: string | undefined = undefined;
  /**
   * Notices go out one after another (partners hear of a payment's steps in order) on a chain the
   * payout never waits on for long: the activity only signals the partner's notification workflow.
   */
  let noticeChain: Promise<void> = Promise.resolve();
  /** Notices on the chain not yet settled: a step may tell the partner itself only when none is. */
  let noticesInFlight = 0;
  /** Puts the partner's notice of reaching `status` on the chain, when that status has one. */
  const announce = (status: string): void => {
    const eventType = partnerNoticeFor(status);
    if (!notifyPartners || !eventType) return;
    const notice = {
      partnerId: input.partnerId,
      sourceEventId: `${paymentId}:${eventType}`,
      eventType,
      paymentId,
      amountMinor: state.totalMinor,
      currency: state.currency,
      reason: state.reason,
      occurredAt: new Date().toISOString(),
    };
    noticesInFlight += 1;
    const settled = (): void => {
      noticesInFlight -= 1;
    };
    noticeChain = noticeChain.then(() =>
      notices.notifyPartner(notice).then(settled, async (err: unknown) => {
        settled();
        log.warn('partner notice not sent', { paymentId, eventType, error: String(err) });
        if (!recordUndelivered) return;
        // The partner will not hear of this step: make it visible (event, gauge), never fail the payment.
        await db
          .recordUndeliveredNotice({
            paymentId,
            eventId: uuid4(),
            partnerId: input.partnerId,
            eventType,
            reason: failureReason(err),
          })
          .catch((recordErr: unknown) =>
            log.error('undelivered partner notice not recorded', {
              paymentId,
              eventType,
              error: String(recordErr),
            }),
          );
      }),
    );
  };

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
  /**
   * The status a step in flight is committing. Its result can be visible in the read model before
   * this workflow has seen it, so a client acting on what it just read must not be refused: the
   * validator accepts the status in flight, and the handler waits for the step to land, then checks.
   */
  let statusInFlight: string | null = null;

  const exclusive = async <T>(step: () => Promise<T>, waitForStatusInFlight = false): Promise<T> => {
    const free = (): boolean => !busy && (!waitForStatusInFlight || statusInFlight === null);
    await condition(free);
    // Waiters freed by one pass of the conditions (two approvals at once) all saw the turn free:
    // only the first may take it. Before, they all ran at once — local steps completing out of
    // order, which a replay then refused. Histories that never met it take no marker.
    while (!free() && (patchesAtStart || patched(STEPS_TAKE_TURNS))) await condition(free);
    busy = true;
    try {
      return await step();
    } finally {
      busy = false;
    }
  };

  /** `noticeAlreadyGiven`: the notice the step gave the partner itself (see PartnerNewsResult). */
  const apply = (result: PaymentStepResult, noticeAlreadyGiven?: NotifiablePaymentEventType): void => {
    const changed = result.status !== state.status;
    state.status = result.status;
    state.totalMinor = result.totalMinor;
    state.approvedBy = result.approvedBy;
    state.reason = result.reason;
    if (result.payoutReference) state.payoutReference = result.payoutReference;
    if (changed) {
      upsertSearchAttributes([{ key: PaymentStatusKey, value: result.status }]);
      // Shown by the Web UI instead of a bare "Running"; a query answer only, so no command and
      // nothing for replay to match.
      setCurrentDetails(currentDetails(result.status, settings));
      if (partnerNoticeFor(result.status) !== noticeAlreadyGiven) announce(result.status);
    }
  };

  setHandler(getStateQuery, () => state);
  setHandler(payoutReturnedSignal, (r) => {
    // Only a COMPLETED payment can have been returned: anything else is a stray or late signal.
    if (state.status !== 'COMPLETED' || !patched(PAYOUT_RETURNED_SIGNAL)) {
      log.warn('payout returned signal ignored', { paymentId, status: state.status });
      return;
    }
    markReturned(typeof r?.reason === 'string' ? r.reason : 'returned by the bank');
  });
  setHandler(resolvePayoutSignal, (r) => {
    if (!awaitingResolution || resolution !== undefined || !isResolution(r)) {
      log.warn('payout resolution ignored', { paymentId, status: state.status });
      return;
    }
    resolution = r;
  });

  const refusalCode = (rule: DecisionRule): string => rule.codeFor?.(state.status) ?? rule.code;

  /** Whether `rule` lets a decision run in `status`, as the payment stands now. */
  const allows = (rule: DecisionRule, status: string): boolean =>
    rule.allows(status, { approvedBy: state.approvedBy, payoutStarted });

  /** Only decisions the API signed for this payment, action and actor are let through. */
  const requireAuthentic = (action: 'approve' | 'reject' | 'cancel' | 'refund', d: DecisionInput): void => {
    if (!signedDecisions) return;
    if (!decisionKey) refuse('PAYMENT.NOT_READY', 'the payment is still being recorded; retry in a moment');
    const check = checkDecision(decisionKey!, { paymentId, action, actor: d.actor }, d.assertion, Date.now());
    if (check !== 'ok') {
      refuse(
        'PAYMENT.DECISION_NOT_AUTHENTIC',
        `the decision's signature is ${check}: decisions go through the API`,
      );
    }
  };

  /** An operator decision: validated up front (nothing written if refused), run in turn with the main flow. */
  const decision = (
    action: 'approve' | 'reject' | 'cancel' | 'refund',
    update: typeof approveUpdate,
    rule: DecisionRule,
    run: (d: DecisionInput) => Promise<void>,
    extraCheck?: (d: DecisionInput) => void,
  ): void => {
    setHandler(
      update,
      (d) =>
        exclusive(async () => {
          if (!allows(rule, state.status)) refuse(refusalCode(rule), rule.refusal(state.status));
          await run(d);
          return state;
        }, true),
      {
        validator: (d) => {
          requireActor(d);
          requireAuthentic(action, d);
          if (!allows(rule, state.status) && !(statusInFlight !== null && allows(rule, statusInFlight))) {
            refuse(refusalCode(rule), rule.refusal(state.status));
          }
          extraCheck?.(d);
        },
      },
    );
  };

  decision(
    'approve',
    approveUpdate,
    awaitingDecision,
    async (d) => apply(await db.approvePayment({ paymentId, actor: d.actor })),
    (d) => {
      if (d.actor === state.createdBy)
        refuse('PAYMENT.FOUR_EYES_VIOLATION', 'the creator of a payment cannot approve it');
    },
  );
  decision('reject', rejectUpdate, awaitingDecision, async (d) =>
    apply(await db.rejectPayment({ paymentId, actor: d.actor, reason: d.reason ?? 'rejected' })),
  );
  decision('cancel', cancelUpdate, cancellable, async (d) =>
    apply(await db.cancelPayment({ paymentId, actor: d.actor, reason: d.reason ?? null })),
  );
  decision('refund', refundUpdate, refundable, async (d) => {
    try {
      const receipt = await provider.refundPayout({ paymentId, payoutReference: state.payoutReference! });
      apply(
        await db.markRefunded({
          paymentId,
          actor: d.actor,
          reason: d.reason ?? null,
          refundReference: receipt.reference,
          reverseCommissions: d.reverseCommissions === true,
        }),
      );
      state.refundReference = receipt.reference;
    } catch (err) {
      // The bank returned the payout and its signal was lost: the steps refused; the window ends
      // here. Only steps of this version refuse so, hence no patch: older histories never meet it.
      if (!isReturnedRefusal(err)) throw err;
      markReturned(state.reason ?? 'returned by the bank');
      refuse(RETURNED_CODE, 'the bank returned this payment: it cannot be refunded');
    }
  });

  const finish = async (): Promise<PaymentWorkflowResult> => {
    await condition(allHandlersFinished);
    await noticeChain;
    return { paymentId, status: state.status, reason: state.reason };
  };

  const recorded = await exclusive(() =>
    db.recordPayment({
      paymentId,
      partnerId: input.partnerId,
      currency: input.currency,
      lines: input.lines,
      createdBy: input.createdBy,
      declaredTotalMinor: input.declaredTotalMinor,
      ...(input.settlementId ? { settlementId: input.settlementId } : {}),
      // The partner hears of the payment from the step itself, saving a notice activity.
      ...(localSteps ? { startWhenNoApprovalNeeded: true, notifyPartner: true } : {}),
    }),
  );
  decisionKey = recorded.decisionKey;
  // A step runs again when the workflow task that ran it was lost after its commit (a worker killed,
  // a task timed out), and later steps of that task may have committed too: the payment can be
  // further on than this run knows. Such a run resumes from the recorded state; histories that
  // never met one take the path they always took (the patch marker is written only when it happens).
  const resuming =
    !isOrdinaryRecordResult(recorded.status) && (patchesAtStart || patched(RESUME_RECORDED_STATE));
  if (resuming) {
    state.totalMinor = recorded.totalMinor;
    if (!recorded.partnerNotified) announce('PENDING');
    apply(recorded);
    if (isPayoutUnderWay(state.status)) payoutStarted = true;
  } else {
    // Recorded and already processing (no approval needed): the cancel window closed with that commit.
    if (recorded.status === 'PROCESSING') payoutStarted = true;
    apply(recorded);
    // The first status is not a change of `state`, but it is news: the payment was created.
    if (!recorded.partnerNotified) announce('PENDING');
  }

  const approvalRequested = recorded.requiresApproval && state.status === 'PENDING';
  if (approvalRequested || (resuming && awaitsDecision(state.status, state.approvedBy))) {
    if (approvalRequested) {
      apply(
        await exclusive(async () => {
          if (state.status !== 'PENDING') return stateAsResult();
          statusInFlight = 'AWAITING_APPROVAL';
          try {
            return await db.requestApproval({ paymentId });
          } finally {
            statusInFlight = null;
          }
        }),
      );
    }
    const decided = await condition(
      () => !busy && (state.approvedBy !== null || isFinal(state.status)),
      settings.approvalTimeoutMs,
    );
    if (!decided) {
      apply(
        await exclusive(() =>
          awaitsDecision(state.status, state.approvedBy)
            ? db.rejectPayment({ paymentId, actor: 'system', reason: 'approval_timeout' })
            : Promise.resolve(stateAsResult()),
        ),
      );
    }
  }
  if (isFinal(state.status)) return finish();
  if (resuming && state.status === 'COMPENSATION_FAILED') return finish();

  // The payout starts here; `payoutStarted` closes the cancel window before the first await.
  const proceed = await exclusive(async () => {
    if (isFinal(state.status)) return false;
    payoutStarted = true;
    const started = resuming ? isPayoutUnderWay(state.status) : state.status === 'PROCESSING';
    if (!started) apply(await db.startProcessing({ paymentId }));
    return true;
  });
  if (!proceed) return finish();
  // Resumed after the payout was completed: only the refund window is left.
  if (resuming && state.status === 'COMPLETED') {
    await condition(() => state.status !== 'COMPLETED', settings.refundWindowMs);
    return finish();
  }

  /** Saga: each completed money movement pushes its undo; they run last-in-first-out on failure. */
  const compensations: Array<() => Promise<unknown>> = [];
  statusInFlight = 'COMPLETED';
  try {
    const receipt =
      resuming && state.status === 'PAYOUT_UNKNOWN'
        ? await askTheJanitor(`payout outcome unknown: ${state.reason ?? 'recorded before this run'}`, false)
        : await payOutOrAskTheJanitor();
    state.payoutReference = receipt.reference;
    compensations.push(() => provider.compensatePayout({ paymentId, payoutReference: receipt.reference }));
    // The step tells the partner itself unless earlier notices are still on their way (order).
    const completed = await db.completePayment({
      paymentId,
      payoutReference: receipt.reference,
      ...(localSteps && noticesInFlight === 0 ? { notifyPartnerId: input.partnerId } : {}),
    });
    apply(completed, completed.partnerNotified ? 'PaymentCompleted' : undefined);
  } catch (err) {
    if (isCancellation(err)) throw err;
    for (const undo of compensations.reverse()) {
      if (!unknownOutcomes) {
        await undo();
        continue;
      }
      try {
        await undo();
      } catch (undoErr) {
        if (isCancellation(undoErr)) throw undoErr;
        // Paid and not given back: neither COMPLETED nor FAILED is true. Say so loudly and stop here.
        const reason = `${failureReason(err)}; compensation failed: ${failureReason(undoErr)}`;
        log.error('compensation failed: the payout was not given back', { paymentId, reason });
        apply(
          await db.markCompensationFailed({
            paymentId,
            payoutReference: state.payoutReference!,
            reason,
          }),
        );
        return finish();
      }
    }
    apply(await db.failPayment({ paymentId, reason: failureReason(err) }));
    return finish();
  } finally {
    statusInFlight = null;
  }

  // Stay reachable for a refund for a while, then close.
  await condition(() => state.status !== 'COMPLETED', settings.refundWindowMs);
  return finish();

  /**
   * The payout, or — when its outcome cannot be known from here (the bank timed out or the answer
   * was lost, until PAYOUT_TIMEOUT) — PAYOUT_UNKNOWN until the janitor has asked the bank by the
   * payout's key. Its answer is the outcome: a receipt, or a failure that proves nothing was paid.
   */
  async function payOutOrAskTheJanitor(): Promise<ProviderStepResult> {
    try {
      return await provider.payOut({ paymentId });
    } catch (err) {
      if (!unknownOutcomes || isCancellation(err) || provesNotPaid(err)) throw err;
      return askTheJanitor(`payout outcome unknown: ${failureReason(err)}`, true);
    }
  }

  /** PAYOUT_UNKNOWN (recorded here, or found recorded when resuming) until the janitor's answer. */
  async function askTheJanitor(reason: string, record: boolean): Promise<ProviderStepResult> {
    awaitingResolution = true;
    // Decisions must not wait on a COMPLETED in flight for as long as the bank takes to answer.
    statusInFlight = null;
    log.warn('payout outcome unknown: waiting for the janitor', { paymentId, reason });
    if (record) apply(await db.markPayoutUnknown({ paymentId, reason }));
    await condition(() => resolution !== undefined);
    awaitingResolution = false;
    statusInFlight = 'COMPLETED';
    const r = resolution!;
    if (r.outcome === 'PAID') return { reference: r.payoutReference };
    throw ApplicationFailure.create({ type: r.code, message: r.reason, nonRetryable: true });
  }

  /** The bank returned the payout (recorded by reconciliation): the refund window closes. */
  function markReturned(reason: string): void {
    state.status = 'RETURNED';
    state.reason = reason;
    upsertSearchAttributes([{ key: PaymentStatusKey, value: 'RETURNED' }]);
    setCurrentDetails(currentDetails('RETURNED', settings));
  }

  function stateAsResult(): PaymentStepResult {
    return { ...state, version: 0 };
  }
}
