import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { BaselineActivities } from './activities';

/** What the baseline workflow is started with. */
export interface BaselineInput {
  /** The partner whose notification workflow hears of the payment (signal-with-start). */
  partnerId: string;
  startToCloseMs: number;
  retryInitialIntervalMs: number;
  retryMaxIntervalMs: number;
}

/** What a baseline run reports: how many activities it ran (always BASELINE_ACTIVITY_COUNT). */
export interface BaselineResult {
  activities: number;
}

export const BASELINE_WORKFLOW = 'benchBaselineWorkflow';
export const BASELINE_NOTIFICATIONS_WORKFLOW = 'benchBaselineNotificationsWorkflow';
/** Four business steps and two partner notices: fixed, whatever the payment path does. */
export const BASELINE_ACTIVITY_COUNT = 6;
export const BASELINE_NOTICES_PER_PAYMENT = 2;

export const baselineNoticeSignal = defineSignal<[string]>('notice');

/**
 * The yardstick: what a straightforward Temporal implementation of a small payment costs. One
 * regular activity per business step (record, start processing, pay out, complete) and two partner
 * notices, each an activity that signal-with-starts the partner's notification workflow, with the
 * payment's timeouts and retry policy. The activities do no work of their own (no database, bank,
 * codec or search attributes): the figure is the engine's cost of that shape. Fixed at six, so a
 * leaner payment path cannot make the yardstick leaner too.
 */
export async function benchBaselineWorkflow(input: BaselineInput): Promise<BaselineResult> {
  const acts = proxyActivities<BaselineActivities>({
    startToCloseTimeout: input.startToCloseMs,
    retry: {
      initialInterval: input.retryInitialIntervalMs,
      maximumInterval: input.retryMaxIntervalMs,
      backoffCoefficient: 2,
    },
  });
  await acts.record({ step: 'record' });
  await acts.startProcessing({ step: 'start-processing' });
  await acts.notifyPartner({ partnerId: input.partnerId, notice: 'processing' });
  await acts.payOut({ step: 'pay-out' });
  await acts.complete({ step: 'complete' });
  await acts.notifyPartner({ partnerId: input.partnerId, notice: 'completed' });
  return { activities: BASELINE_ACTIVITY_COUNT };
}

/**
 * The partner's side of the yardstick: what a partner's notification workflow does with a payment's
 * notices. The bench starts it (signal-with-start) on a queue no worker polls, as the payment path's
 * partner workflows are while the notifications worker is off, so neither side's CPU includes
 * processing notices; the harness counts the signals in its history.
 */
export async function benchBaselineNotificationsWorkflow(): Promise<{ notices: number }> {
  let notices = 0;
  setHandler(baselineNoticeSignal, () => {
    notices += 1;
  });
  await condition(() => notices >= BASELINE_NOTICES_PER_PAYMENT, '1 minute');
  return { notices };
}
