import type { Client, ScheduleSpec } from '@temporalio/client';
import {
  taxFormExpiryWorkflowType,
  type TaxFormExpiryInput,
  type TaxFormExpiryWorkflow,
} from '../../workflows/tax-form-expiry.messages';
import { taxFormExpiryWorkflowId } from '../../workflows/workflow-ids';
import type { JanitorScheduleSpec } from '../payout/janitor-config';
import { ensureSchedule } from './ensure-schedule';

export interface TaxFormExpiryScheduleOptions {
  scheduleId: string;
  spec: JanitorScheduleSpec;
  taskQueue: string;
  input: TaxFormExpiryInput;
}

const toSpec = (spec: Exclude<JanitorScheduleSpec, { kind: 'off' }>): ScheduleSpec =>
  spec.kind === 'interval'
    ? { intervals: [{ every: spec.everyMs }] }
    : { cronExpressions: [spec.expression] };

/**
 * Creates the tax-form expiry check's Schedule from config, or brings it in line (like the
 * janitor's). A day's catch-up: a check missed while the cluster was down still runs, and a
 * notice 30 days ahead loses nothing by coming late that day.
 */
export async function ensureTaxFormExpirySchedule(
  client: Client,
  opts: TaxFormExpiryScheduleOptions,
): Promise<void> {
  await ensureSchedule<TaxFormExpiryWorkflow>(client, {
    scheduleId: opts.scheduleId,
    spec: opts.spec.kind === 'off' ? undefined : toSpec(opts.spec),
    action: {
      type: 'startWorkflow',
      workflowType: taxFormExpiryWorkflowType,
      workflowId: taxFormExpiryWorkflowId(opts.scheduleId),
      taskQueue: opts.taskQueue,
      args: [opts.input],
    },
    catchupWindow: '1 day',
    description: 'Alpes Partners tax-form expiry notices (TAX_FORM_EXPIRY_SCHEDULE)',
  });
}
