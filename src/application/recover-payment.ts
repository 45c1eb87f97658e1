import { DomainError, ErrorCodes } from '../domain/domain-error';
import { isOrphaned } from '../domain/payment-orphan';
import type { PaymentExecutions } from '../ports/payment-executions.port';
import type { PaymentOrphanStore } from '../ports/payment-orphan.port';
import type { PaymentCommands, PaymentReads } from '../ports/payment.port';

export interface RecoverPaymentDeps {
  reads: PaymentReads;
  commands: PaymentCommands;
  executions: PaymentExecutions;
  orphans: PaymentOrphanStore;
  clock?: () => Date;
}

export interface RecoveredPayment {
  paymentId: string;
  status: string;
  workflowId: string;
  runId: string;
}

/**
 * Restarts the workflow of an orphaned payment (its workflow ended, the payment did not). The new
 * run records the payment again, finds it as it is and resumes from there: approval still awaited,
 * a payout asked of the bank under the same idempotency key (so never paid twice), a refund window.
 */
export async function recoverPayment(
  deps: RecoverPaymentDeps,
  input: { paymentId: string; actor: string },
): Promise<RecoveredPayment> {
  const payment = await deps.reads.getById(input.paymentId);
  if (!payment) {
    throw new DomainError(ErrorCodes.PAYMENT_NOT_FOUND, `no payment with id ${input.paymentId}`);
  }
  const execution = await deps.executions.current(input.paymentId);
  if (!isOrphaned(payment.status, execution.status)) {
    throw new DomainError(
      ErrorCodes.PAYMENT_NOT_ORPHANED,
      `a ${payment.status} payment whose workflow is ${execution.status.toLowerCase()} is not orphaned: nothing to recover`,
    );
  }
  const { workflowId, runId } = await deps.commands.restart({
    paymentId: payment.id,
    partnerId: payment.partnerId,
    currency: payment.currency,
    lines: payment.lines.map((l) => ({
      reference: l.reference,
      amountMinor: l.amountMinor,
      description: l.description,
    })),
    createdBy: payment.createdBy,
  });
  await deps.orphans.markRecovered(payment.id, input.actor, runId, (deps.clock ?? (() => new Date()))());
  return { paymentId: payment.id, status: payment.status, workflowId, runId };
}
