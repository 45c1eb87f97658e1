import * as paymentsBundle from './index';
import * as notificationsBundle from './notifications.index';
import { paymentWorkflowType, type PaymentWorkflow } from './payment.messages';
import { payoutJanitorWorkflowType, type PayoutJanitorWorkflow } from './payout-janitor.messages';
import { bankFileCycleWorkflowType, type BankFileCycleWorkflow } from './bank-file-cycle.messages';
import {
  reconciliationFetchWorkflowType,
  type ReconciliationFetchWorkflow,
} from './reconciliation-fetch.messages';
import {
  partnerNotificationsWorkflowType,
  type PartnerNotificationsWorkflow,
} from './partner-notifications.messages';
import {
  scheduledSettlementWorkflowType,
  settlementWorkflowType,
  type ScheduledSettlementWorkflow,
  type SettlementWorkflow,
} from './settlement.messages';

/**
 * Clients start workflows by type name with the signature their messages declare, never with the
 * workflow's code. A worker registers each workflow under its export name in the bundle's entry:
 * these must be the names the messages give, and the functions must have the declared signatures
 * (the assignments below are checked by `tsc`).
 */
describe('workflow types', () => {
  it('the payments bundle serves each workflow under the type name its messages give', () => {
    const payment: PaymentWorkflow = paymentsBundle.paymentWorkflow;
    const janitor: PayoutJanitorWorkflow = paymentsBundle.payoutJanitorWorkflow;
    const settlement: SettlementWorkflow = paymentsBundle.settlementWorkflow;
    const scheduled: ScheduledSettlementWorkflow = paymentsBundle.scheduledSettlementWorkflow;
    const bankFileCycle: BankFileCycleWorkflow = paymentsBundle.bankFileCycleWorkflow;
    const reconciliationFetch: ReconciliationFetchWorkflow = paymentsBundle.reconciliationFetchWorkflow;
    const served: Record<string, unknown> = paymentsBundle;
    expect(served[paymentWorkflowType]).toBe(payment);
    expect(served[bankFileCycleWorkflowType]).toBe(bankFileCycle);
    expect(served[reconciliationFetchWorkflowType]).toBe(reconciliationFetch);
    expect(served[payoutJanitorWorkflowType]).toBe(janitor);
    expect(served[settlementWorkflowType]).toBe(settlement);
    expect(served[scheduledSettlementWorkflowType]).toBe(scheduled);
  });

  it('the notifications bundle serves the partner notifications workflow under its type name', () => {
    const notifications: PartnerNotificationsWorkflow = notificationsBundle.partnerNotificationsWorkflow;
    const served: Record<string, unknown> = notificationsBundle;
    expect(served[partnerNotificationsWorkflowType]).toBe(notifications);
  });
});
