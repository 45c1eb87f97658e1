import { WorkflowNotFoundError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import type { PaymentExecutionStatus } from '../../domain/payment-orphan';
import type { PaymentExecution, PaymentExecutions } from '../../ports/payment-executions.port';
import { paymentIdFromWorkflowId, paymentWorkflowId } from '../../workflows/workflow-ids';

const STATUS: Record<string, PaymentExecutionStatus> = {
  RUNNING: 'RUNNING',
  COMPLETED: 'COMPLETED',
  FAILED: 'FAILED',
  TERMINATED: 'TERMINATED',
  TIMED_OUT: 'TIMED_OUT',
  CANCELLED: 'CANCELLED',
  CONTINUED_AS_NEW: 'CONTINUED_AS_NEW',
};

const toExecution = (
  paymentId: string,
  info: Pick<WorkflowExecutionInfo, 'status' | 'runId' | 'closeTime'>,
) => ({
  paymentId,
  // UNKNOWN/UNSPECIFIED never mean "gone": treat them as running rather than report an orphan.
  status: STATUS[info.status.name] ?? 'RUNNING',
  runId: info.runId,
  closedAt: info.closeTime ? info.closeTime.toISOString() : null,
});

/** Payment workflows as the Temporal server (and its visibility store) reports them. */
export class TemporalPaymentExecutions implements PaymentExecutions {
  constructor(private readonly client: Client) {}

  async closedUnsuccessfully(limit: number): Promise<PaymentExecution[]> {
    const found: PaymentExecution[] = [];
    const query =
      "WorkflowType = 'paymentWorkflow' AND ExecutionStatus IN ('Failed', 'Terminated', 'TimedOut', 'Canceled')";
    for await (const info of this.client.workflow.list({ query, pageSize: Math.min(limit, 1_000) })) {
      const paymentId = paymentIdFromWorkflowId(info.workflowId);
      if (!paymentId) continue;
      found.push(toExecution(paymentId, info));
      if (found.length >= limit) break;
    }
    return found;
  }

  async current(paymentId: string): Promise<PaymentExecution> {
    try {
      const d = await this.client.workflow.getHandle(paymentWorkflowId(paymentId)).describe();
      return toExecution(paymentId, d);
    } catch (e) {
      if (e instanceof WorkflowNotFoundError) {
        return { paymentId, status: 'NOT_FOUND', runId: null, closedAt: null };
      }
      throw e;
    }
  }
}
