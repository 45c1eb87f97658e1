import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleSpec,
} from '@temporalio/client';
import { payoutJanitorWorkflow, type PayoutJanitorInput } from '../../workflows/payout-janitor.workflow';
import { payoutJanitorWorkflowId } from '../../workflows/workflow-ids';
import type { JanitorScheduleSpec } from '../payout/janitor-config';

export interface JanitorScheduleOptions {
  scheduleId: string;
  spec: JanitorScheduleSpec;
  taskQueue: string;
  input: PayoutJanitorInput;
}

const toSpec = (spec: Exclude<JanitorScheduleSpec, { kind: 'off' }>): ScheduleSpec =>
  spec.kind === 'interval'
    ? { intervals: [{ every: spec.everyMs }] }
    : { cronExpressions: [spec.expression] };

/**
 * Creates the payout janitor's Schedule from config, or brings an existing one in line with it, so
 * every start applies the current JANITOR_SCHEDULE; several workers at once is harmless. Overlap
 * SKIP: a slow run (an unreachable bank) is never joined by a second one asking the same questions.
 * No catch-up: a run missed while the cluster was down is covered by the next one.
 */
export async function ensureJanitorSchedule(client: Client, opts: JanitorScheduleOptions): Promise<void> {
  const handle = client.schedule.getHandle(opts.scheduleId);
  if (opts.spec.kind === 'off') {
    await handle.delete().catch((err: unknown) => {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    });
    return;
  }
  const spec = toSpec(opts.spec);
  const action = {
    type: 'startWorkflow' as const,
    workflowType: payoutJanitorWorkflow,
    workflowId: payoutJanitorWorkflowId(opts.scheduleId),
    taskQueue: opts.taskQueue,
    args: [opts.input] as [PayoutJanitorInput],
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' as const };
  try {
    await client.schedule.create({
      scheduleId: opts.scheduleId,
      spec,
      action,
      policies,
      memo: {
        description: 'Alpes Partners payout janitor: resolves PAYOUT_UNKNOWN payments (JANITOR_SCHEDULE)',
      },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await handle.update((prev) => ({ ...prev, spec, action, policies: { ...prev.policies, ...policies } }));
  }
}
