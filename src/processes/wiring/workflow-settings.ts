import type { AppConfig } from '../../infra/config';
import type { PaymentWorkflowSettings } from '../../workflows/payment.messages';
import type { PayoutJanitorSettings } from '../../workflows/payout-janitor.messages';
import type { ActivityRetrySettings } from '../../workflows/activity-retry';
import type { SettlementSettings } from '../../workflows/settlement.messages';

/** The payment workflow's timeouts and retries, carried in its input so every run keeps the ones it started with. */
export function workflowSettings(config: AppConfig): PaymentWorkflowSettings {
  return {
    activityStartToCloseMs: config.payments.activityStartToCloseMs,
    retryInitialIntervalMs: config.payments.retryInitialIntervalMs,
    retryMaxIntervalMs: config.payments.retryMaxIntervalMs,
    approvalTimeoutMs: config.payments.approvalTimeoutMs,
    refundWindowMs: config.payments.refundWindowMs,
    payoutScheduleToCloseMs: config.payments.payoutScheduleToCloseMs,
  };
}

/** A settlement run's knobs, carried in its input (and the Schedule's) like the payment's. */
export function settlementSettings(config: AppConfig): SettlementSettings {
  const s = config.settlements;
  return {
    concurrency: s.concurrency,
    pageSize: s.pageSize,
    pollIntervalMs: s.pollIntervalMs,
    // Only approvals outstanding: look far less often (they take hours), but not so rarely that a
    // decided payment waits long to be counted.
    idlePollIntervalMs: Math.max(s.pollIntervalMs, Math.min(30_000, s.pollIntervalMs * 10)),
    maxHistoryEvents: 2_000,
    activityStartToCloseMs: Math.max(config.payments.activityStartToCloseMs, 120_000),
    retryInitialIntervalMs: config.payments.retryInitialIntervalMs,
    retryMaxIntervalMs: config.payments.retryMaxIntervalMs,
    paymentTaskQueue: config.temporal.taskQueue,
    payment: workflowSettings(config),
    timeZone: config.settlements.timeZone,
    approval: config.settlements.approval,
  };
}

/** The payout janitor's knobs, carried in its Schedule's input like the settlement run's. */
export function payoutJanitorSettings(config: AppConfig): PayoutJanitorSettings {
  return {
    batchSize: config.payoutJanitor.batchSize,
    activityStartToCloseMs: config.payments.activityStartToCloseMs,
    retryInitialIntervalMs: config.payments.retryInitialIntervalMs,
    retryMaxIntervalMs: config.payments.retryMaxIntervalMs,
    // A bank that does not answer within a few tries is asked again on the next run.
    bankAttempts: 3,
  };
}

/** The bank-file cycle's (and the tax-form expiry check's) activity timeouts and backoff, carried in its Schedule's input. */
export function bankFileCycleSettings(config: AppConfig): ActivityRetrySettings {
  return {
    activityStartToCloseMs: config.payments.activityStartToCloseMs,
    retryInitialIntervalMs: config.payments.retryInitialIntervalMs,
    retryMaxIntervalMs: config.payments.retryMaxIntervalMs,
  };
}

/** The reconciliation fetch's timeout and backoff: a week of statements may take a while to apply. */
export function reconciliationFetchSettings(config: AppConfig): ActivityRetrySettings {
  return {
    activityStartToCloseMs: Math.max(config.payments.activityStartToCloseMs, 120_000),
    retryInitialIntervalMs: config.payments.retryInitialIntervalMs,
    retryMaxIntervalMs: config.payments.retryMaxIntervalMs,
  };
}
