import type { Client, ScheduleSpec } from '@temporalio/client';
import type { ScheduleSetting } from '../../shared/env-parsers';
import {
  reconciliationFetchWorkflowType,
  type ReconciliationFetchInput,
  type ReconciliationFetchWorkflow,
} from '../../workflows/reconciliation-fetch.messages';
import { reconciliationFetchWorkflowId } from '../../workflows/workflow-ids';
import { ensureSchedule } from './ensure-schedule';

export interface ReconciliationScheduleOptions {
  scheduleId: string;
  /** `off` (also: the file rail is off) removes this schedule id if it exists. */
  setting: ScheduleSetting;
  taskQueue: string;
  input: ReconciliationFetchInput;
}

const toSpec = (s: Exclude<ScheduleSetting, { kind: 'off' }>): ScheduleSpec =>
  s.kind === 'interval' ? { intervals: [{ every: s.everyMs }] } : { cronExpressions: [s.expression] };

/**
 * Creates the reconciliation fetch's Schedule from config (RECONCILIATION_SCHEDULE), or brings an
 * existing one in line with it. Overlap SKIP: one fetch at a time (the statements of a slow bank
 * are not applied by two runs at once); no catch-up, since the next turn reads whatever a missed
 * one would have.
 */
export async function ensureReconciliationSchedule(
  client: Client,
  opts: ReconciliationScheduleOptions,
): Promise<void> {
  await ensureSchedule<ReconciliationFetchWorkflow>(client, {
    scheduleId: opts.scheduleId,
    spec: opts.setting.kind === 'off' ? undefined : toSpec(opts.setting),
    action: {
      type: 'startWorkflow',
      workflowType: reconciliationFetchWorkflowType,
      workflowId: reconciliationFetchWorkflowId(opts.scheduleId),
      taskQueue: opts.taskQueue,
      args: [opts.input],
    },
    catchupWindow: '1 minute',
    description:
      'Alpes Partners reconciliation: fetch camt.054 notices and camt.053 statements, match payouts (RECONCILIATION_SCHEDULE)',
  });
}
