import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type {
  SettlementPayoutStart,
  SettlementPayoutStarter,
} from '../../ports/settlement-payout-starter.port';
import {
  paymentWorkflowType,
  type PaymentWorkflow,
  type PaymentWorkflowSettings,
} from '../../workflows/payment.messages';
import { CurrencyKey, PartnerIdKey, PaymentStatusKey } from '../../workflows/search-attributes';
import { paymentWorkflowId } from '../../workflows/workflow-ids';

/**
 * Starts settlement payouts as top-level payment workflows: nothing reports back into the run's
 * history, so the run's cost does not grow with its size. The id is the payout's deterministic
 * payment id and ids are never reused, so a payout started before counts as started.
 */
export class TemporalSettlementPayoutStarter implements SettlementPayoutStarter {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly settings: PaymentWorkflowSettings,
    private readonly workflowTaskTimeoutMs?: number,
  ) {}

  async isLiveRun(settlementId: string, runId: string): Promise<boolean> {
    try {
      const d = await this.client.workflow.getHandle(settlementId).describe();
      return d.runId === runId && d.status.name === 'RUNNING';
    } catch (e) {
      if (e instanceof WorkflowNotFoundError) return false;
      throw e;
    }
  }

  async start(p: SettlementPayoutStart): Promise<void> {
    try {
      await this.client.workflow.start<PaymentWorkflow>(paymentWorkflowType, {
        workflowId: paymentWorkflowId(p.paymentId),
        taskQueue: this.taskQueue,
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        ...(this.workflowTaskTimeoutMs ? { workflowTaskTimeout: this.workflowTaskTimeoutMs } : {}),
        args: [
          {
            paymentId: p.paymentId,
            partnerId: p.partnerId,
            currency: p.currency,
            lines: [],
            createdBy: p.startedBy,
            settlementId: p.settlementId,
            declaredTotalMinor: p.plannedNetMinor,
            settings: this.settings,
          },
        ],
        staticSummary: `Settlement payout to partner ${p.partnerId} (${p.settlementId})`,
        typedSearchAttributes: [
          { key: PartnerIdKey, value: p.partnerId },
          { key: CurrencyKey, value: p.currency },
          { key: PaymentStatusKey, value: 'PENDING' },
        ],
      });
    } catch (e) {
      if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
    }
  }
}
