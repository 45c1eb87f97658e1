import type { Client, ScheduleSpec } from '@temporalio/client';
import {
  payoutJanitorWorkflowType,
  type PayoutJanitorInput,
  type PayoutJanitorWorkflow,
} from '../../workflows/payout-janitor.messages';
import { payoutJanitorWorkflowId } from '../../workflows/workflow-ids';
import type { JanitorScheduleSpec } from '../payout/janitor-config';
import { ensureSchedule } from './ensure-schedule';

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
  await ensureSchedule<PayoutJanitorWorkflow>(client, {
    scheduleId: opts.scheduleId,
    spec: opts.spec.kind === 'off' ? undefined : toSpec(opts.spec),
    action: {
      type: 'startWorkflow',
      workflowType: payoutJanitorWorkflowType,
      workflowId: payoutJanitorWorkflowId(opts.scheduleId),
      taskQueue: opts.taskQueue,
      args: [opts.input],
    },
    catchupWindow: '1 minute',
    description: 'Alpes Partners payout janitor: resolves PAYOUT_UNKNOWN payments (JANITOR_SCHEDULE)',
  });
}
