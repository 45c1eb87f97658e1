import { ApplicationFailure, condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';
import {
  decideRunUpdate,
  settlementProgressQuery,
  type RunDecisionInput,
  type RunDecisionResult,
  type SettlementProgress,
} from '../../../src/workflows/settlement.messages';

/**
 * A stand-in for a settlement run at the moment the approval race happens: its row already says
 * AWAITING_APPROVAL but the workflow is still PLANNING until `planned` arrives. It answers the real
 * run's progress query and decision update the way the real run's validator does, so the client's
 * handling of an early decision is tested against a real Temporal server.
 */
export const plannedSignal = defineSignal('planned');
export const decisionsQuery = defineQuery<RunDecisionInput[]>('decisions');

/** Runs until terminated (as a run would keep paying), answering decisions like the real one. */
export async function earlyDecisionWorkflow(settlementId: string): Promise<never> {
  let phase: SettlementProgress['phase'] = 'PLANNING';
  const decisions: RunDecisionInput[] = [];
  setHandler(decisionsQuery, () => decisions);
  setHandler(plannedSignal, () => {
    phase = 'AWAITING_APPROVAL';
  });
  setHandler(settlementProgressQuery, () => ({
    settlementId,
    phase,
    itemCount: 1,
    skippedCount: 0,
    started: 0,
    finished: 0,
    awaitingApproval: 1,
    byStatus: {},
  }));
  setHandler(
    decideRunUpdate,
    (d: RunDecisionInput): RunDecisionResult => {
      decisions.push(d);
      phase = 'PAYING';
      return { settlementId, approval: 'APPROVED', status: 'PAYING', decidedBy: d.actor, releasedPayouts: 0 };
    },
    {
      validator: (_d: RunDecisionInput) => {
        if (phase !== 'AWAITING_APPROVAL')
          throw ApplicationFailure.create({
            type: 'SETTLEMENT.NOT_AWAITING_APPROVAL',
            message: `the run ${settlementId} is not awaiting approval (${phase.toLowerCase()})`,
            nonRetryable: true,
          });
      },
    },
  );
  await condition(() => false);
  throw new Error('unreachable');
}
