import type { PaymentMaximum } from '../domain/payout-maximums.value-object';
import { Context } from '@temporalio/activity';
import { requiresApproval, type ApprovalThresholds } from '../domain/approval-policy';
import { DomainError, ErrorCodes } from '../domain/domain-error';
import type { Commission } from '../domain/commission.aggregate';
import type { DomainEvent } from '../domain/domain-event';
import { Payment } from '../domain/payment.aggregate';
import { PayoutMethod } from '../domain/payout-method.value-object';
import type { TransactionScope, UnitOfWork } from '../ports/unit-of-work.port';
import type { PayoutProvider } from '../ports/payout-provider.port';
import type { CrashPoint } from '../ports/crash-point.port';
import type { NotifiablePaymentEventType, PartnerNotifier } from '../ports/notification.port';
import { withDomainFailures } from './activity-failure';
import { executionMeta } from './execution-meta';
import type {
  ActorStepInput,
  CompensationFailedInput,
  CompletePaymentInput,
  FailPaymentInput,
  PartnerNewsResult,
  MarkRefundedInput,
  PaymentStepInput,
  PaymentStepResult,
  PayoutUnknownInput,
  ProviderStepResult,
  RecordPaymentInput,
  RecordPaymentResult,
  RecordUndeliveredNoticeInput,
  RecordUndeliveredNoticeResult,
} from './payment.activities.types';
import { undeliveredNoticeEvent } from '../domain/partner-notice';

export interface PaymentActivityDeps {
  uow: UnitOfWork;
  provider: PayoutProvider;
  approvalThresholds: ApprovalThresholds;
  /** The largest payment: one number (PAYMENT_MAX_AMOUNT_MINOR), or per currency (PAYOUT_MAXIMUMS). */
  maxAmountMinor?: PaymentMaximum;
  /** Ed25519 public key (hex) of the API's decision signer; the workflow learns it from recordPayment. */
  decisionVerifyKey?: string;
  /** Test-only faults (TEST_FAULTS, refused outside NODE_ENV=test): exercise the saga for real. */
  faults?: PaymentTestFaults;
  /** Reaches the partner's notification workflow: steps asked to tell the partner do so after their commit. */
  notifier?: PartnerNotifier;
  /** Test-only (TEST_CRASH_PLAN): may stop the process right after a step's effect is durable. */
  crashPoint?: CrashPoint;
  clock?: () => Date;
}

export interface PaymentTestFaults {
  /** `completePayment` fails non-retryably, after the payout: the saga must give the payout back. */
  failCompletePayment?: boolean;
  /** `compensatePayout` fails non-retryably: the payment must end visibly COMPENSATION_FAILED. */
  failCompensation?: boolean;
  /** Every partner notice fails (TEST_FAULTS=notify-partner): the steps leave them to the workflow. */
  failNotifyPartner?: boolean;
  /** The partner's workflow is unreachable (TEST_FAULTS=notify-partner-unavailable): the same. */
  noticesUnavailable?: boolean;
}

/** The code of an injected fault: it never appears outside tests. */
export const INJECTED_FAULT = 'TEST.INJECTED_FAULT';

const injectedFault = (step: string): Promise<never> =>
  withDomainFailures(() => {
    throw new DomainError(INJECTED_FAULT, `injected fault: ${step} fails (TEST_FAULTS)`);
  });

/** Idempotency keys for the provider: stable across activity retries, distinct per money movement. */
export const providerKeys = {
  payout: (paymentId: string) => `payout:${paymentId}`,
  refund: (paymentId: string) => `refund:${paymentId}`,
  compensation: (paymentId: string) => `compensation:${paymentId}`,
};

/**
 * Keeps a long provider call visibly alive, so a lost worker is noticed by heartbeat timeout. The
 * first heartbeat goes out after a second: a call that answers sooner (nearly all) costs the server
 * no heartbeat write, and the heartbeat timeout (10 s at most) is still met many times over.
 */
async function withHeartbeat<T>(work: Promise<T>): Promise<T> {
  let ctx: Context | undefined;
  try {
    ctx = Context.current();
  } catch {
    return work;
  }
  const timer = setInterval(() => ctx.heartbeat(), 1_000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

const stepResult = (p: Payment): PaymentStepResult => {
  const s = p.toSnapshot();
  return {
    paymentId: s.id,
    status: s.status,
    totalMinor: s.totalMinor,
    currency: s.currency,
    version: s.version,
    approvedBy: s.approvedBy,
    reason: s.reason,
    payoutReference: s.payoutReference,
  };
};

/**
 * Each activity is one use-case step in one transaction: load → domain method → save → append
 * events. Activities run at least once, so each step first checks whether an earlier attempt
 * already committed it and then answers with the stored state instead of failing the transition.
 */
export function createPaymentActivities(deps: PaymentActivityDeps) {
  const now = deps.clock ?? (() => new Date());

  async function load(tx: TransactionScope, paymentId: string): Promise<Payment> {
    const payment = await tx.payments.findById(paymentId);
    if (!payment) throw new DomainError(ErrorCodes.PAYMENT_NOT_FOUND, `payment ${paymentId} not found`);
    return payment;
  }

  /**
   * The payment's transition and what it means for the commissions it carries (a settlement
   * payout's), in one transaction: a payout is never marked paid while its commissions are not.
   */
  function transition(
    step: string,
    paymentId: string,
    alreadyDone: (p: Payment) => boolean,
    change: (p: Payment) => void,
    after?: (tx: TransactionScope, p: Payment) => Promise<DomainEvent[]>,
  ): Promise<PaymentStepResult> {
    return withDomainFailures(async () => {
      let partnerId = '';
      const result = await deps.uow.run(async (tx) => {
        const payment = await load(tx, paymentId);
        partnerId = payment.partnerId;
        if (alreadyDone(payment)) return stepResult(payment);
        const before = payment.status;
        change(payment);
        await tx.payments.save(payment);
        const events: DomainEvent[] = payment.pullEvents();
        if (after) events.push(...(await after(tx, payment)));
        // A settlement payout's run counts it where it now stands, in this same transaction —
        // before the event log's lock, which every writer takes last (no lock-order deadlocks).
        await tx.settlements.countPayoutTransition(paymentId, before, payment.status);
        await tx.events.append(events, executionMeta());
        return stepResult(payment);
      });
      deps.crashPoint?.({ step, partnerId, paymentId });
      return result;
    });
  }

  /** Moves every commission the payment carries; a clawback the move produces is stored too. */
  async function applyToCommissions(
    tx: TransactionScope,
    paymentId: string,
    move: (c: Commission, at: Date) => Commission | undefined,
  ): Promise<DomainEvent[]> {
    const at = now();
    const events: DomainEvent[] = [];
    for (const commission of await tx.commissions.findByPayment(paymentId)) {
      if (commission.status !== 'SETTLING') continue;
      const clawback = move(commission, at);
      await tx.commissions.save(commission);
      if (clawback) await tx.commissions.save(clawback);
      events.push(...commission.pullEvents());
    }
    return events;
  }

  const settle = (tx: TransactionScope, p: Payment) =>
    applyToCommissions(tx, p.id, (c, at) => c.settle(at).clawback);
  const release = (tx: TransactionScope, p: Payment) =>
    applyToCommissions(tx, p.id, (c, at) => void c.release(at));

  /**
   * Fixes the account the payment will pay: the one in force when it was approved (or created, when
   * no approval is needed). A later account change never silently redirects approved money.
   */
  async function fixPayoutAccount(tx: TransactionScope, p: Payment): Promise<DomainEvent[]> {
    const partner = await tx.partners.findById(p.partnerId);
    if (!partner) throw new DomainError(ErrorCodes.PARTNER_NOT_FOUND, `partner ${p.partnerId} not found`);
    // The method in force for the payment's currency: its account is what is paid, by its rail.
    const method = partner.defaultMethodFor(p.currency, now());
    await tx.payments.fixPayoutAccount(p.id, { account: method.account(), method: method.data }, now());
    return [];
  }

  /**
   * After the step's commit (never before: a notice must not announce what rolled back). Best
   * effort: `false` sends the workflow's own notice activity instead.
   */
  async function tellPartner(
    partnerId: string,
    eventType: NotifiablePaymentEventType,
    step: PaymentStepResult,
  ): Promise<boolean> {
    if (!deps.notifier || deps.faults?.failNotifyPartner || deps.faults?.noticesUnavailable) return false;
    try {
      await deps.notifier.notify({
        partnerId,
        sourceEventId: `${step.paymentId}:${eventType}`,
        eventType,
        paymentId: step.paymentId,
        amountMinor: step.totalMinor,
        currency: step.currency,
        reason: step.reason,
        occurredAt: now().toISOString(),
      });
    } catch {
      return false;
    }
    deps.crashPoint?.({ step: `notice:${eventType}`, partnerId, paymentId: step.paymentId });
    return true;
  }

  /** The payment recorded (and started, when asked and no approval is needed) in one transaction. */
  function recordInTransaction(input: RecordPaymentInput): Promise<RecordPaymentResult> {
    return withDomainFailures(() =>
      deps.uow.run(async (tx) => {
        const recorded = await tx.payments.findById(input.paymentId);
        // A payout its run released (an operator gave it back) is never recorded: its commissions
        // may be in another run already. The lock orders this against a release in flight.
        if (
          !recorded &&
          input.settlementId &&
          (await tx.settlements.lockPayoutForRecording(input.paymentId))
        ) {
          throw new DomainError(
            ErrorCodes.SETTLEMENT_PAYOUT_RELEASED,
            `payout ${input.paymentId} of ${input.settlementId} was released before it started`,
          );
        }
        // A settlement payout pays its claimed commissions. One reversed since the run planned it is
        // taken out now, before any money moves (REVERSED, not paid and clawed back later): the
        // payout pays less, or — nothing left to pay — is skipped, the rest back to PAYABLE.
        const claimed = !recorded && input.settlementId ? await claimedCommissions(tx, input) : [];
        const reversed = claimed.filter((c) => c.reversalPending);
        const kept = claimed.filter((c) => !c.reversalPending);
        const keptTotal = kept.reduce((sum, c) => sum + c.amountMinor, 0);
        const takeOut = reversed.length > 0 && kept.length > 0 && keptTotal > 0;
        const emptied = reversed.length > 0 && !takeOut;
        const lines = recorded
          ? []
          : input.settlementId
            ? (takeOut ? kept : claimed).map(toLine)
            : input.lines;
        // It must pay what its run planned, less what was taken out: lines that moved otherwise
        // cancel it loudly, its commissions back to PAYABLE for the next run.
        const reversedTotal = takeOut ? reversed.reduce((sum, c) => sum + c.amountMinor, 0) : 0;
        const planned =
          input.settlementId && input.declaredTotalMinor !== undefined
            ? input.declaredTotalMinor - reversedTotal
            : undefined;
        const claimedTotal = lines.reduce((sum, l) => sum + l.amountMinor, 0);
        const mismatch = !recorded && planned !== undefined && planned !== claimedTotal;
        const skipped = mismatch || (!recorded && emptied);
        const payment =
          recorded ??
          Payment.create({
            id: input.paymentId,
            partnerId: input.partnerId,
            currency: input.currency,
            lines,
            allowClawbacks: input.settlementId !== undefined,
            createdBy: input.createdBy,
            declaredTotalMinor: skipped ? undefined : (planned ?? input.declaredTotalMinor),
            maxAmountMinor: deps.maxAmountMinor,
            now: now(),
          });
        // Cancelled once it is stored (an aggregate is saved new, then changed, as startProcessing is).
        const skipReason = mismatch
          ? `${ErrorCodes.PAYMENT_TOTAL_MISMATCH}: the run planned ${planned}, its commissions now sum to ${claimedTotal}`
          : `${ErrorCodes.SETTLEMENT_PAYOUT_EMPTIED}: its commissions were reversed before it started`;
        const takenOut: DomainEvent[] = [];
        if (!recorded && takeOut) {
          const at = now();
          for (const c of reversed) {
            c.release(at);
            await tx.commissions.save(c);
            takenOut.push(...c.pullEvents());
          }
        }
        // A payout of a run approved as a whole does not ask again (only one over its own threshold looks).
        const needsApproval =
          !skipped &&
          requiresApproval(payment.total, deps.approvalThresholds) &&
          !(
            input.settlementId && (await tx.settlements.approvalOf(input.settlementId))?.status === 'APPROVED'
          );
        const fresh: DomainEvent[] = [...payment.pullEvents(), ...takenOut];
        if (fresh.length > 0) {
          await tx.payments.save(payment);
          if (!recorded && skipped) {
            payment.cancel('system', skipReason, now());
            await tx.payments.save(payment);
            fresh.push(...payment.pullEvents());
          }
          if (!needsApproval) await fixPayoutAccount(tx, payment);
          // Only a payment created here: a retry finds it committed and answers with what is stored.
          if (!recorded && input.startWhenNoApprovalNeeded && !needsApproval && !skipped) {
            payment.startProcessing(now());
            await tx.payments.save(payment);
            fresh.push(...payment.pullEvents());
          }
          if (skipped) fresh.push(...(await release(tx, payment)));
          if (!recorded && input.settlementId) {
            await tx.settlements.countPayoutTransition(payment.id, 'NOT_RECORDED', payment.status);
          }
          await tx.events.append(fresh, executionMeta());
        }
        return {
          ...stepResult(payment),
          createdBy: payment.createdBy,
          requiresApproval: needsApproval,
          ...(deps.decisionVerifyKey ? { decisionKey: deps.decisionVerifyKey } : {}),
        };
      }),
    );
  }

  /** A step's `alreadyDone` test: the payment is in one of `statuses` (the step's result, or one past it). */
  const alreadyDoneIn =
    (...statuses: string[]) =>
    (p: Payment): boolean =>
      statuses.includes(p.status);

  return {
    async recordPayment(input: RecordPaymentInput): Promise<RecordPaymentResult> {
      const recorded = await recordInTransaction(input);
      deps.crashPoint?.({ step: 'recordPayment', partnerId: input.partnerId, paymentId: input.paymentId });
      if (!input.notifyPartner) return recorded;
      return { ...recorded, partnerNotified: await tellPartner(input.partnerId, 'PaymentCreated', recorded) };
    },

    requestApproval: ({ paymentId }: PaymentStepInput) =>
      transition(
        'requestApproval',
        paymentId,
        (p) => p.status !== 'PENDING',
        (p) => p.requestApproval(now()),
      ),

    approvePayment: ({ paymentId, actor }: ActorStepInput) =>
      transition(
        'approvePayment',
        paymentId,
        (p) => p.isApproved(),
        (p) => p.approve(actor, now()),
        fixPayoutAccount,
      ),

    /**
     * Done already when no decision is awaited any more: rejected before, or approved (and perhaps
     * paid) by a decision whose workflow task was lost: the approval timeout then resumes from it.
     */
    rejectPayment: ({ paymentId, actor, reason }: ActorStepInput) =>
      transition(
        'rejectPayment',
        paymentId,
        (p) => p.status !== 'AWAITING_APPROVAL' || p.isApproved(),
        (p) => p.reject(actor, reason ?? 'rejected', now()),
        release,
      ),

    cancelPayment: ({ paymentId, actor, reason }: ActorStepInput) =>
      transition(
        'cancelPayment',
        paymentId,
        alreadyDoneIn('CANCELLED'),
        (p) => p.cancel(actor, reason ?? null, now()),
        release,
      ),

    startProcessing: ({ paymentId }: PaymentStepInput) =>
      transition(
        'startProcessing',
        paymentId,
        alreadyDoneIn('PROCESSING', 'COMPLETED', 'FAILED', 'REFUNDED'),
        (p) => p.startProcessing(now()),
      ),

    async completePayment({
      paymentId,
      payoutReference,
      notifyPartnerId,
    }: CompletePaymentInput): Promise<PaymentStepResult & PartnerNewsResult> {
      if (deps.faults?.failCompletePayment) return injectedFault('completePayment');
      const completed = await transition(
        'completePayment',
        paymentId,
        alreadyDoneIn('COMPLETED', 'REFUNDED'),
        (p) => p.complete(payoutReference, now()),
        settle,
      );
      if (!notifyPartnerId || completed.status !== 'COMPLETED') return completed;
      return {
        ...completed,
        partnerNotified: await tellPartner(notifyPartnerId, 'PaymentCompleted', completed),
      };
    },

    failPayment: ({ paymentId, reason }: FailPaymentInput) =>
      transition('failPayment', paymentId, alreadyDoneIn('FAILED'), (p) => p.fail(reason, now()), release),

    /** The commissions stay SETTLING: whether they were paid is exactly what is not known yet. */
    markPayoutUnknown: ({ paymentId, reason }: PayoutUnknownInput) =>
      transition(
        'markPayoutUnknown',
        paymentId,
        alreadyDoneIn('PAYOUT_UNKNOWN', 'COMPLETED', 'FAILED', 'REFUNDED', 'COMPENSATION_FAILED'),
        (p) => p.markPayoutUnknown(reason, now()),
      ),

    /** The commissions stay SETTLING too: the partner has the money, and may or may not keep it. */
    markCompensationFailed: ({ paymentId, payoutReference, reason }: CompensationFailedInput) =>
      transition('markCompensationFailed', paymentId, alreadyDoneIn('COMPENSATION_FAILED'), (p) =>
        p.compensationFailed(payoutReference, reason, now()),
      ),

    /** Makes a notice the workflow gave up on visible: an event in the log (and so a gauge). */
    recordUndeliveredNotice: (input: RecordUndeliveredNoticeInput): Promise<RecordUndeliveredNoticeResult> =>
      withDomainFailures(() =>
        deps.uow.run(async (tx) => {
          if (await tx.events.has(input.eventId)) return { recorded: false };
          await tx.events.append(
            [undeliveredNoticeEvent({ ...input, occurredAt: now().toISOString() })],
            executionMeta(),
          );
          return { recorded: true };
        }),
      ),

    /** The money came back: its commissions are owed again, unless the refund says they must not be paid. */
    markRefunded: ({ paymentId, actor, refundReference, reason, reverseCommissions }: MarkRefundedInput) =>
      withDomainFailures(async () => {
        let partnerId = '';
        const result = await deps.uow.run(async (tx) => {
          const payment = await load(tx, paymentId);
          partnerId = payment.partnerId;
          if (payment.status === 'REFUNDED') return stepResult(payment);
          await tx.settlements.countPayoutTransition(paymentId, payment.status, 'REFUNDED');
          payment.refund(actor, refundReference, reason ?? null, now());
          await tx.payments.save(payment);
          const events: DomainEvent[] = payment.pullEvents();
          const at = now();
          for (const c of await tx.commissions.findByPayment(paymentId)) {
            if (c.status !== 'SETTLED') continue;
            c.returnAfterRefund({
              reverse: reverseCommissions === true,
              actor,
              reason: reason ?? 'payment refunded',
              now: at,
            });
            await tx.commissions.save(c);
            events.push(...c.pullEvents());
          }
          await tx.events.append(events, executionMeta());
          return stepResult(payment);
        });
        deps.crashPoint?.({ step: 'markRefunded', partnerId, paymentId });
        return result;
      }),

    /** Moves the money. The payout account is read here, never carried through workflow history. */
    async payOut({ paymentId }: PaymentStepInput): Promise<ProviderStepResult> {
      return withDomainFailures(async () => {
        const { payment, account, method, creditorName } = await deps.uow.run(async (tx) => {
          const p = await load(tx, paymentId);
          const partner = await tx.partners.findById(p.partnerId);
          if (!partner)
            throw new DomainError(ErrorCodes.PARTNER_NOT_FOUND, `partner ${p.partnerId} not found`);
          // A hold placed after approval still stops the money: the payment fails, its commissions return.
          if (partner.payoutHold) partner.assertCanReceivePayments();
          // Payments recorded before accounts were fixed pay the method in force now; those fixed
          // before methods existed pay their fixed account as a bank transfer.
          const fixed = await tx.payments.fixedPayoutAccount(paymentId);
          const method = fixed
            ? (fixed.method ?? PayoutMethod.fromLegacyAccount(fixed.account).data)
            : partner.defaultMethodFor(p.currency, now()).data;
          const account = fixed?.account ?? PayoutMethod.fromData(method).account();
          return { payment: p, account, method, creditorName: partner.name };
        });
        const receipt = await withHeartbeat(
          deps.provider.payout({
            idempotencyKey: providerKeys.payout(paymentId),
            paymentId,
            partnerId: payment.partnerId,
            amountMinor: payment.total.amountMinor,
            currency: payment.currency,
            payoutAccount: account,
            method,
            creditorName,
          }),
        );
        deps.crashPoint?.({ step: 'payOut', partnerId: payment.partnerId, paymentId });
        return receipt;
      });
    },

    /** Refund requested by an operator after completion. */
    refundPayout: (input: PaymentStepInput & { payoutReference: string }) => providerRefund(input, 'refund'),

    /** Saga compensation: gives the money back when a step after the payout failed. */
    compensatePayout: (input: PaymentStepInput & { payoutReference: string }) =>
      deps.faults?.failCompensation
        ? injectedFault('compensatePayout')
        : providerRefund(input, 'compensation'),
  };

  /** A settlement payout's lines: the entries its run claimed for it, clawbacks as negative lines. */
  /** The commissions the run claimed for this payout; none is a bug of the run's (PAYMENT.NO_LINES). */
  async function claimedCommissions(tx: TransactionScope, input: RecordPaymentInput) {
    const claimed = (await tx.commissions.findByPayment(input.paymentId)).filter(
      (c) => c.status === 'SETTLING' && c.settlementId === input.settlementId,
    );
    if (claimed.length === 0) {
      throw new DomainError(
        ErrorCodes.PAYMENT_NO_LINES,
        `settlement ${input.settlementId} claimed no commissions for payment ${input.paymentId}`,
      );
    }
    return claimed;
  }

  function toLine(c: Commission) {
    const s = c.toSnapshot();
    return { reference: s.externalRef, amountMinor: s.amountMinor, description: s.description };
  }

  async function providerRefund(
    { paymentId, payoutReference }: PaymentStepInput & { payoutReference: string },
    purpose: 'refund' | 'compensation',
  ): Promise<ProviderStepResult> {
    return withDomainFailures(async () => {
      const payment = await deps.uow.run((tx) => load(tx, paymentId));
      // The bank returned the payout (reconciliation recorded it): the money is back already, and
      // taking it again would take it twice. Refused before anything moves; markRefunded refuses too.
      if (purpose === 'refund' && payment.status === 'RETURNED') {
        throw new DomainError(
          ErrorCodes.PAYMENT_RETURNED,
          'the bank returned this payment: it cannot be refunded',
        );
      }
      const receipt = await withHeartbeat(
        deps.provider.refund({
          idempotencyKey: providerKeys[purpose](paymentId),
          paymentId,
          payoutReference,
          amountMinor: payment.total.amountMinor,
          currency: payment.currency,
        }),
      );
      const step = purpose === 'refund' ? 'refundPayout' : 'compensatePayout';
      deps.crashPoint?.({ step, partnerId: payment.partnerId, paymentId });
      return receipt;
    });
  }
}

export type PaymentActivities = ReturnType<typeof createPaymentActivities>;
