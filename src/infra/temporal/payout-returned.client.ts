import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { PayoutReturnSignal } from '../../ports/reconciliation.port';
import type { Logger } from '../../shared/logger';
import { payoutReturnedSignal } from '../../workflows/payment.messages';
import { paymentWorkflowId } from '../../workflows/workflow-ids';

/**
 * Signals `payoutReturned` to a payment's workflow. A workflow that has closed (its refund window
 * is over) or never ran is no failure: the return is recorded in the database either way. Any other
 * failure is logged, not thrown: the return has committed, and a workflow that misses the signal
 * still refuses a refund (its recording step fails on a RETURNED payment) and closes on its timer.
 */
export class TemporalPayoutReturnSignal implements PayoutReturnSignal {
  constructor(
    private readonly client: Client,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {}

  async payoutReturned(
    paymentId: string,
    input: { returnCode: string | null; reason: string },
  ): Promise<void> {
    try {
      await this.client.workflow.getHandle(paymentWorkflowId(paymentId)).signal(payoutReturnedSignal, input);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return;
      this.logger.warn({ err, paymentId }, 'payout returned: the payment workflow was not signalled');
    }
  }
}
