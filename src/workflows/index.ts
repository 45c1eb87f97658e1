/** Entry point of the workflow bundle: every workflow the payments worker serves. */
export { paymentWorkflow } from './payment.workflow';
export { payoutJanitorWorkflow } from './payout-janitor.workflow';
export { scheduledSettlementWorkflow, settlementWorkflow } from './settlement.workflow';
export { bankFileCycleWorkflow } from './bank-file-cycle.workflow';
export { taxFormExpiryWorkflow } from './tax-form-expiry.workflow';
export { reconciliationFetchWorkflow } from './reconciliation-fetch.workflow';
