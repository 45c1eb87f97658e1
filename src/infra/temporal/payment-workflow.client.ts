import { QueryNotRegisteredError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { LivePaymentState, PaymentCommands, StartPaymentCommand } from '../../api/api.ports';
import {
  getStateQuery,
  paymentWorkflow,
  type PaymentWorkflowSettings,
} from '../../workflows/payment.workflow';
import {
  AmountMinorKey,
  CurrencyKey,
  PartnerIdKey,
  PaymentStatusKey,
} from '../../workflows/search-attributes';
import { paymentWorkflowId } from '../../workflows/workflow-ids';

/** Starts and reads payment workflows through the Temporal client. */
export class TemporalPaymentCommands implements PaymentCommands {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly settings: PaymentWorkflowSettings,
  ) {}

  workflowId(paymentId: string): string {
    return paymentWorkflowId(paymentId);
  }

  async start(cmd: StartPaymentCommand): Promise<{ workflowId: string; runId: string }> {
    const totalMinor = cmd.lines.reduce((s, l) => s + l.amountMinor, 0);
    const handle = await this.client.workflow.start(paymentWorkflow, {
      taskQueue: this.taskQueue,
      workflowId: paymentWorkflowId(cmd.paymentId),
      args: [{ ...cmd, settings: this.settings }],
      typedSearchAttributes: [
        { key: PartnerIdKey, value: cmd.partnerId },
        { key: CurrencyKey, value: cmd.currency },
        { key: AmountMinorKey, value: totalMinor },
        { key: PaymentStatusKey, value: 'PENDING' },
      ],
    });
    return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
  }

  async liveState(paymentId: string): Promise<LivePaymentState | undefined> {
    try {
      return await this.client.workflow.getHandle(paymentWorkflowId(paymentId)).query(getStateQuery);
    } catch (e) {
      if (e instanceof WorkflowNotFoundError || e instanceof QueryNotRegisteredError) return undefined;
      throw e;
    }
  }
}
