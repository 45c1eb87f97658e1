import { Context } from '@temporalio/activity';
import { requiresApproval, type ApprovalThresholds } from '../domain/approval-policy';
import { DomainError, ErrorCodes } from '../domain/domain-error';
import { Payment } from '../domain/payment.aggregate';
import type { TransactionScope, UnitOfWork } from '../domain/payment.repository.port';
import type { PayoutProvider } from '../domain/payout-provider.port';
import { withDomainFailures } from './activity-failure';
import { executionMeta } from './execution-meta';
import type {
  ActorStepInput,
  CompletePaymentInput,
  FailPaymentInput,
  MarkRefundedInput,
  PaymentStepInput,
  PaymentStepResult,
  ProviderStepResult,
  RecordPaymentInput,
  RecordPaymentResult,
} from './payment.activities.types';

export interface PaymentActivityDeps {
  uow: UnitOfWork;
  provider: PayoutProvider;
  approvalThresholds: ApprovalThresholds;
  maxAmountMinor?: number;
  clock?: () => Date;
}

/** Idempotency keys for the provider: stable across activity retries, distinct per money movement. */
export const providerKeys = {
  payout: (paymentId: string) => `payout:${paymentId}`,
  refund: (paymentId: string) => `refund:${paymentId}`,
  compensation: (paymentId: string) => `compensation:${paymentId}`,
};

/** Keeps a long provider call visibly alive, so a lost worker is noticed by heartbeat timeout. */
async function withHeartbeat<T>(work: Promise<T>): Promise<T> {
  let ctx: Context | undefined;
  try {
    ctx = Context.current();
  } catch {
    return work;
  }
  ctx.heartbeat();
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

  function transition(
    paymentId: string,
    alreadyDone: (p: Payment) => boolean,
    change: (p: Payment) => void,
  ): Promise<PaymentStepResult> {
    return withDomainFailures(() =>
      deps.uow.run(async (tx) => {
        const payment = await load(tx, paymentId);
        if (alreadyDone(payment)) return stepResult(payment);
        change(payment);
        await tx.payments.save(payment);
        await tx.events.append(payment.pullEvents(), executionMeta());
        return stepResult(payment);
      }),
    );
  }

  const is =
    (...statuses: string[]) =>
    (p: Payment): boolean =>
      statuses.includes(p.status);

  return {
    async recordPayment(input: RecordPaymentInput): Promise<RecordPaymentResult> {
      return withDomainFailures(() =>
        deps.uow.run(async (tx) => {
          const payment =
            (await tx.payments.findById(input.paymentId)) ??
            Payment.create({
              id: input.paymentId,
              partnerId: input.partnerId,
              currency: input.currency,
              lines: input.lines,
              createdBy: input.createdBy,
              declaredTotalMinor: input.declaredTotalMinor,
              maxAmountMinor: deps.maxAmountMinor,
              now: now(),
            });
          const fresh = payment.pullEvents();
          if (fresh.length > 0) {
            await tx.payments.save(payment);
            await tx.events.append(fresh, executionMeta());
          }
          return {
            ...stepResult(payment),
            createdBy: payment.createdBy,
            requiresApproval: requiresApproval(payment.total, deps.approvalThresholds),
          };
        }),
      );
    },

    requestApproval: ({ paymentId }: PaymentStepInput) =>
      transition(
        paymentId,
        (p) => p.status !== 'PENDING',
        (p) => p.requestApproval(now()),
      ),

    approvePayment: ({ paymentId, actor }: ActorStepInput) =>
      transition(
        paymentId,
        (p) => p.isApproved(),
        (p) => p.approve(actor, now()),
      ),

    rejectPayment: ({ paymentId, actor, reason }: ActorStepInput) =>
      transition(paymentId, is('REJECTED'), (p) => p.reject(actor, reason ?? 'rejected', now())),

    cancelPayment: ({ paymentId, actor, reason }: ActorStepInput) =>
      transition(paymentId, is('CANCELLED'), (p) => p.cancel(actor, reason ?? null, now())),

    startProcessing: ({ paymentId }: PaymentStepInput) =>
      transition(paymentId, is('PROCESSING', 'COMPLETED', 'FAILED', 'REFUNDED'), (p) =>
        p.startProcessing(now()),
      ),

    completePayment: ({ paymentId, payoutReference }: CompletePaymentInput) =>
      transition(paymentId, is('COMPLETED', 'REFUNDED'), (p) => p.complete(payoutReference, now())),

    failPayment: ({ paymentId, reason }: FailPaymentInput) =>
      transition(paymentId, is('FAILED'), (p) => p.fail(reason, now())),

    markRefunded: ({ paymentId, actor, refundReference, reason }: MarkRefundedInput) =>
      transition(paymentId, is('REFUNDED'), (p) => p.refund(actor, refundReference, reason ?? null, now())),

    /** Moves the money. The payout account is read here, never carried through workflow history. */
    async payOut({ paymentId }: PaymentStepInput): Promise<ProviderStepResult> {
      return withDomainFailures(async () => {
        const { payment, account } = await deps.uow.run(async (tx) => {
          const p = await load(tx, paymentId);
          const partner = await tx.partners.findById(p.partnerId);
          if (!partner)
            throw new DomainError(ErrorCodes.PARTNER_NOT_FOUND, `partner ${p.partnerId} not found`);
          return { payment: p, account: partner.payoutAccount.value };
        });
        return withHeartbeat(
          deps.provider.payout({
            idempotencyKey: providerKeys.payout(paymentId),
            paymentId,
            partnerId: payment.partnerId,
            amountMinor: payment.total.amountMinor,
            currency: payment.currency,
            payoutAccount: account,
          }),
        );
      });
    },

    /** Refund requested by an operator after completion. */
    refundPayout: (input: PaymentStepInput & { payoutReference: string }) => providerRefund(input, 'refund'),

    /** Saga compensation: gives the money back when a step after the payout failed. */
    compensatePayout: (input: PaymentStepInput & { payoutReference: string }) =>
      providerRefund(input, 'compensation'),
  };

  async function providerRefund(
    { paymentId, payoutReference }: PaymentStepInput & { payoutReference: string },
    purpose: 'refund' | 'compensation',
  ): Promise<ProviderStepResult> {
    return withDomainFailures(async () => {
      const payment = await deps.uow.run((tx) => load(tx, paymentId));
      return withHeartbeat(
        deps.provider.refund({
          idempotencyKey: providerKeys[purpose](paymentId),
          paymentId,
          payoutReference,
          amountMinor: payment.total.amountMinor,
          currency: payment.currency,
        }),
      );
    });
  }
}

export type PaymentActivities = ReturnType<typeof createPaymentActivities>;
