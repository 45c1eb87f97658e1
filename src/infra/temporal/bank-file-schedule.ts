import type { Client } from '@temporalio/client';
import {
  bankFileCycleWorkflowType,
  type BankFileCycleInput,
  type BankFileCycleWorkflow,
} from '../../workflows/bank-file-cycle.messages';
import { bankFileCycleWorkflowId } from '../../workflows/workflow-ids';
import { ensureSchedule } from './ensure-schedule';

export interface BankFileScheduleOptions {
  scheduleId: string;
  everyMs: number;
  taskQueue: string;
  input: BankFileCycleInput;
}

/**
 * Creates the bank-file cycle's Schedule from config (BANK_FILE_SCHEDULE), or brings an existing one
 * in line with it. Overlap SKIP: one turn at a time (a slow bank is not asked twice at once); no
 * catch-up, since the next turn does whatever a missed one would have.
 */
export async function ensureBankFileSchedule(client: Client, opts: BankFileScheduleOptions): Promise<void> {
  await ensureSchedule<BankFileCycleWorkflow>(client, {
    scheduleId: opts.scheduleId,
    spec: { intervals: [{ every: opts.everyMs }] },
    action: {
      type: 'startWorkflow',
      workflowType: bankFileCycleWorkflowType,
      workflowId: bankFileCycleWorkflowId(opts.scheduleId),
      taskQueue: opts.taskQueue,
      args: [opts.input],
    },
    catchupWindow: '1 minute',
    description: 'Alpes Partners bank files: batch, send pain.001, read pain.002 (BANK_FILE_SCHEDULE)',
  });
}
