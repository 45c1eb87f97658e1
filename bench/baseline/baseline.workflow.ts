import { proxyActivities } from '@temporalio/workflow';
import type { BaselineActivities } from './activities';

/** What the baseline workflow is started with. */
export interface BaselineInput {
  /** How many activities to run, one after another (the payment's happy path count). */
  activities: number;
  startToCloseMs: number;
  retryInitialIntervalMs: number;
  retryMaxIntervalMs: number;
}

export const BASELINE_WORKFLOW = 'benchBaselineWorkflow';

/**
 * The engine's limit for a payment-shaped workflow: the same number of activities as a small
 * payment's happy path, run in sequence with the same timeouts and retry policy, each doing
 * nothing. No database, no bank, no codec, no search attributes, no signals.
 */
export async function benchBaselineWorkflow(input: BaselineInput): Promise<number> {
  const acts = proxyActivities<BaselineActivities>({
    startToCloseTimeout: input.startToCloseMs,
    retry: {
      initialInterval: input.retryInitialIntervalMs,
      maximumInterval: input.retryMaxIntervalMs,
      backoffCoefficient: 2,
    },
  });
  for (let step = 0; step < input.activities; step++) await acts.noop(step);
  return input.activities;
}
