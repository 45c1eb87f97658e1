import type { Client } from '@temporalio/client';

export interface BaselineStepInput {
  step: string;
}
export interface BaselineStepResult {
  step: string;
}
export interface BaselineNoticeInput {
  partnerId: string;
  notice: string;
}

/** The notification workflow's id for a partner (the partners are shared like the payment path's). */
export const baselineNotificationsWorkflowId = (partnerId: string): string =>
  `bench-baseline-notify:${partnerId}`;

/**
 * The baseline's activities: the business steps answer at once; a notice signal-with-starts the
 * partner's notification workflow, as a naive payment implementation would from an activity. That
 * workflow lives on `noticesTaskQueue`, which no bench worker polls — like the payment path's
 * partner workflows (the notifications worker is off unless --notifications), so neither side's
 * CPU includes processing the notices.
 */
export function createBaselineActivities(deps: { client: Client; noticesTaskQueue: string }) {
  const step = async (input: BaselineStepInput): Promise<BaselineStepResult> => ({ step: input.step });
  return {
    record: step,
    startProcessing: step,
    payOut: step,
    complete: step,
    async notifyPartner(input: BaselineNoticeInput): Promise<{ signalled: true }> {
      await deps.client.workflow.signalWithStart('benchBaselineNotificationsWorkflow', {
        workflowId: baselineNotificationsWorkflowId(input.partnerId),
        taskQueue: deps.noticesTaskQueue,
        signal: 'notice',
        signalArgs: [input.notice],
      });
      return { signalled: true };
    },
  };
}

export type BaselineActivities = ReturnType<typeof createBaselineActivities>;
