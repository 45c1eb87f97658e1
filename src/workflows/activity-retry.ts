import type { RetryPolicy } from '@temporalio/workflow';

/** An activity's timeout and retry backoff, carried in a workflow's settings so every run keeps the ones it started with. */
export interface ActivityRetrySettings {
  activityStartToCloseMs: number;
  retryInitialIntervalMs: number;
  retryMaxIntervalMs: number;
}

/** Backoff doubling from the initial interval up to the maximum; attempts are unlimited unless the caller caps them. */
export const retryPolicy = (settings: ActivityRetrySettings): RetryPolicy => ({
  initialInterval: settings.retryInitialIntervalMs,
  maximumInterval: settings.retryMaxIntervalMs,
  backoffCoefficient: 2,
});
