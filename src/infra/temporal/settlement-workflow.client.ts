import { randomUUID } from 'node:crypto';
import {
  QueryNotRegisteredError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { DomainError, ErrorCodes } from '../../domain/domain-error';
import type { RunDecisionAction } from '../../domain/settlement-approval';
import type {
  LiveSettlementProgress,
  RunDecisionView,
  SettlementCommands,
} from '../../ports/settlement.port';
import type { DecisionSigner } from '../auth/actor-assertion';
import { isWorkflowTaskFailing } from './payment-workflow.client';
import {
  decideRunUpdate,
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
    private readonly signer?: DecisionSigner,
    /** How long a decision is re-sent while the run's workflow task is being recovered. */
    private readonly recoveringRetryMs = 30_000,
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

  /**
   * Sends the decision to the run and answers how it stands. One update id per decision: a re-send
   * (the run's task was being recovered) is the same update, which the server takes once.
   */
  async decide(
    settlementId: string,
    action: RunDecisionAction,
    decision: { actor: string; reason: string | null },
  ): Promise<RunDecisionView> {
    const handle = this.client.workflow.getHandle(settlementId);
    const updateId = randomUUID();
    const assertion = this.signer?.sign({ paymentId: settlementId, action, actor: decision.actor });
    const deadline = Date.now() + this.recoveringRetryMs;
    for (let delayMs = 200; ; delayMs = Math.min(delayMs * 2, 2_000)) {
      try {
        return await handle.executeUpdate(decideRunUpdate, {
          updateId,
          args: [{ action, ...decision, ...(assertion ? { assertion } : {}) }],
        });
      } catch (e) {
        const transient = isWorkflowTaskFailing(e) || (await this.stillPlanning(e, handle));
        if (!transient || Date.now() + delayMs > deadline) throw this.translate(e, settlementId);
        await new Promise((r) => setTimeout(r, delayMs));
      }
    }
  }

  /**
   * The plan's activity records AWAITING_APPROVAL on the run's row (which the use case checked)
   * a moment before the workflow leaves PLANNING: a decision refused in that window is early, not
   * wrong, and is asked again. Only for that refusal and while the workflow says PLANNING.
   */
  private async stillPlanning(e: unknown, handle: WorkflowHandle): Promise<boolean> {
    if (!(e instanceof WorkflowUpdateFailedError)) return false;
    const cause = e.cause;
    if (!(cause instanceof ApplicationFailure) || cause.type !== ErrorCodes.SETTLEMENT_NOT_AWAITING_APPROVAL)
      return false;
    try {
      return (await handle.query(settlementProgressQuery)).phase === 'PLANNING';
    } catch {
      return false;
    }
  }

  /** An update's refusal becomes the domain error it carries, so the API maps it once. */
  private translate(e: unknown, settlementId: string): unknown {
    if (e instanceof WorkflowUpdateFailedError) {
      const cause = e.cause instanceof ActivityFailure ? e.cause.cause : e.cause;
      if (cause instanceof ApplicationFailure && cause.type)
        return new DomainError(cause.type, cause.message);
      return e;
    }
    // Not running: the run finished, was stopped, or never waited — nothing to decide.
    if (e instanceof WorkflowNotFoundError) {
      return new DomainError(
        ErrorCodes.SETTLEMENT_NOT_AWAITING_APPROVAL,
        `the run ${settlementId} is not running: it is not awaiting approval`,
      );
    }
    return e;
  }
}
