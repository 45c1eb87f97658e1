import { settlementRunId } from '../domain/settlement-run-id';
/** The one place workflow ids are built: they are how the API, workers and operators find a workflow. */
export const paymentWorkflowId = (paymentId: string): string => `payment:${paymentId}`;

export const partnerNotificationsWorkflowId = (partnerId: string): string =>
  `partner-notifications:${partnerId}`;

export const paymentIdFromWorkflowId = (workflowId: string): string | undefined =>
  workflowId.startsWith('payment:') ? workflowId.slice('payment:'.length) : undefined;

/** One run per period (and currency, when a run is limited to one): the same period is never settled twice. */
export const settlementWorkflowId = settlementRunId;

/** The Schedule's own runs are named after it; each starts the period's settlement as a child. */
export const scheduledSettlementWorkflowId = (scheduleId: string): string =>
  `settlement-schedule:${scheduleId}`;

/** The payout janitor's runs are named after its Schedule (overlap skip: one at a time). */
export const payoutJanitorWorkflowId = (scheduleId: string): string => `payout-janitor:${scheduleId}`;

/** The bank-file cycle's runs are named after its Schedule (overlap skip: one at a time). */
export const bankFileCycleWorkflowId = (scheduleId: string): string => `bank-file-cycle:${scheduleId}`;

/** The tax-form expiry check's runs are named after its Schedule (overlap skip: one at a time). */
export const taxFormExpiryWorkflowId = (scheduleId: string): string => `tax-form-expiry:${scheduleId}`;
/** The reconciliation fetch's runs are named after its Schedule (overlap skip: one at a time). */
export const reconciliationFetchWorkflowId = (scheduleId: string): string =>
  `reconciliation-fetch:${scheduleId}`;
