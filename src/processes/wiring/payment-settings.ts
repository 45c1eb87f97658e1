import type { AppConfig } from '../../infra/config';
import type { PaymentWorkflowSettings } from '../../workflows/payment.workflow';

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
