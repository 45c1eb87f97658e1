import { Context } from '@temporalio/activity';
import { requiresApproval, type ApprovalThresholds } from '../domain/approval-policy';
import { DomainError } from '../domain/domain-error';
import { Payment, type PaymentStatus } from '../domain/payment.aggregate';
import type { EventMetadata, UnitOfWork } from '../domain/payment.repository.port';
import { withDomainFailures } from './activity-failure';
import type {
  CompletePaymentInput,
  PaymentStepInput,
  PaymentStepResult,
  RecordPaymentInput,
  RecordPaymentResult,
} from './payment.activities.types';

export interface PaymentActivityDeps {
  uow: UnitOfWork;
  approvalThresholds: ApprovalThresholds;
  maxAmountMinor?: number;
  clock?: () => Date;
}

function executionMeta(): EventMetadata {
  try {
    const execution = Context.current().info.workflowExecution;
    return { workflowId: execution?.workflowId ?? null, runId: execution?.runId ?? null };
  } catch {
    return { workflowId: null, runId: null };
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
  };
};

/**
 * Each activity is one use-case step in one transaction: load → domain method → save → append
 * events. Activities run at least once, so each step first checks whether an earlier attempt
 * already committed it and then answers with the stored state instead of failing the transition.
 */
export function createPaymentActivities(deps: PaymentActivityDeps) {
  const now = deps.clock ?? (() => new Date());

  async function transition(
    paymentId: string,
    alreadyDone: (status: PaymentStatus) => boolean,
    change: (p: Payment) => void,
  ): Promise<PaymentStepResult> {
    return withDomainFailures(() =>
      deps.uow.run(async ({ payments, events }) => {
        const payment = await payments.findById(paymentId);
        if (!payment) throw new DomainError('PAYMENT.NOT_FOUND', `payment ${paymentId} not found`);
        if (alreadyDone(payment.status)) return stepResult(payment);
        change(payment);
        await payments.save(payment);
        await events.append(payment.pullEvents(), executionMeta());
        return stepResult(payment);
      }),
    );
  }

  return {
    async recordPayment(input: RecordPaymentInput): Promise<RecordPaymentResult> {
      return withDomainFailures(() =>
        deps.uow.run(async ({ payments, events }) => {
          const payment =
            (await payments.findById(input.paymentId)) ??
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
            await payments.save(payment);
            await events.append(fresh, executionMeta());
          }
          return {
            ...stepResult(payment),
            requiresApproval: requiresApproval(payment.total, deps.approvalThresholds),
          };
        }),
      );
    },

    async startProcessing({ paymentId }: PaymentStepInput): Promise<PaymentStepResult> {
      return transition(
        paymentId,
        (s) => ['PROCESSING', 'COMPLETED', 'FAILED', 'REFUNDED'].includes(s),
        (p) => p.startProcessing(now()),
      );
    },

    async completePayment({ paymentId, payoutReference }: CompletePaymentInput): Promise<PaymentStepResult> {
      return transition(
        paymentId,
        (s) => s === 'COMPLETED' || s === 'REFUNDED',
        (p) => p.complete(payoutReference, now()),
      );
    },
  };
}

export type PaymentActivities = ReturnType<typeof createPaymentActivities>;
