import {
  QueryNotRegisteredError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import type { LiveSettlementProgress, SettlementCommands } from '../../ports/settlement.port';
import {
  settlementProgressQuery,
  settlementWorkflowType,
  type SettlementSettings,
  type SettlementWorkflow,
} from '../../workflows/settlement.messages';

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

  /**
   * The id is the period's. A run that completed is never run again; one that failed, was
   * terminated or timed out is resumed by starting its id again (ALLOW_DUPLICATE_FAILED_ONLY): its
   * planning finds the run recorded, and its starter goes on from where the run got to.
   */
  async start(cmd: {
    settlementId: string;
    periodEnd: string;
    currency: string | null;
    startedBy: string;
  }): Promise<{ created: boolean }> {
    try {
      await this.client.workflow.start<SettlementWorkflow>(settlementWorkflowType, {
        taskQueue: this.taskQueue,
        workflowId: cmd.settlementId,
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        args: [
          {
            settlementId: cmd.settlementId,
            periodEnd: cmd.periodEnd,
            currency: cmd.currency,
            trigger: 'manual',
            startedBy: cmd.startedBy,
            settings: this.settings,
          },
        ],
      });
      return { created: true };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { created: false };
      throw err;
    }
  }

  async isRunning(settlementId: string): Promise<boolean> {
    try {
      const d = await this.client.workflow.getHandle(settlementId).describe();
      return d.status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
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
