import {
  QueryNotRegisteredError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import { DomainError, ErrorCodes } from '../../domain/domain-error';
import type { LiveSettlementProgress, SettlementCommands } from '../../ports/settlement.port';
import {
  settlementProgressQuery,
  settlementWorkflowType,
  type SettlementSettings,
  type SettlementWorkflow,
} from '../../workflows/settlement.messages';
import { settlementWorkflowId } from '../../workflows/workflow-ids';

/** Starts settlement runs by hand (`POST /settlements`) and reads a running one's progress. */
export class TemporalSettlementCommands implements SettlementCommands {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly settings: SettlementSettings,
  ) {}

  workflowId(settlementId: string): string {
    return settlementId;
  }

  /** The id is the period: REJECT_DUPLICATE keeps it unique even after the run has closed. */
  async start(cmd: {
    periodEnd: string;
    currency: string | null;
    startedBy: string;
  }): Promise<{ settlementId: string }> {
    const settlementId = settlementWorkflowId(cmd.periodEnd, cmd.currency);
    try {
      await this.client.workflow.start<SettlementWorkflow>(settlementWorkflowType, {
        taskQueue: this.taskQueue,
        workflowId: settlementId,
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [
          {
            settlementId,
            periodEnd: cmd.periodEnd,
            currency: cmd.currency,
            trigger: 'manual',
            startedBy: cmd.startedBy,
            settings: this.settings,
          },
        ],
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        throw new DomainError(
          ErrorCodes.SETTLEMENT_ALREADY_EXISTS,
          `the period ${cmd.periodEnd}${cmd.currency ? ` (${cmd.currency})` : ''} has already been settled or is being settled (${settlementId})`,
          { settlementId },
        );
      }
      throw err;
    }
    return { settlementId };
  }

  async liveProgress(settlementId: string): Promise<LiveSettlementProgress | undefined> {
    try {
      const p = await this.client.workflow.getHandle(settlementId).query(settlementProgressQuery);
      return {
        phase: p.phase,
        itemCount: p.itemCount,
        started: p.started,
        finished: p.finished,
        awaitingApproval: p.awaitingApproval,
      };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || err instanceof QueryNotRegisteredError) return undefined;
      throw err;
    }
  }
}
