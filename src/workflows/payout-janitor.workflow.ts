import {
  ActivityFailure,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
} from '@temporalio/workflow';
import type { PayoutJanitorActivities } from '../activities/payout-janitor.activities';
import { retryPolicy } from './activity-retry';
import { resolvePayoutSignal } from './payment.messages';
import type { PayoutJanitorInput, PayoutJanitorResult } from './payout-janitor.messages';
import { paymentWorkflowId } from './workflow-ids';

/**
 * Resolves payouts whose outcome was unknown (PAYOUT_UNKNOWN): asks the bank, by each payout's own
 * idempotency key, what became of it, and hands the answer to the payment's workflow, which
 * completes or fails the payment (commissions settled or released) like any other outcome. Started
 * by a Schedule (JANITOR_SCHEDULE, overlap skip); a run that stops half-way loses nothing, since
 * the next one finds whatever is still unknown.
 */
export async function payoutJanitorWorkflow(input: PayoutJanitorInput): Promise<PayoutJanitorResult> {
  const { settings } = input;
  const retry = retryPolicy(settings);
  const reads = proxyActivities<PayoutJanitorActivities>({
    startToCloseTimeout: settings.activityStartToCloseMs,
    retry,
  });
  const bank = proxyActivities<PayoutJanitorActivities>({
    startToCloseTimeout: settings.activityStartToCloseMs,
    retry: { ...retry, maximumAttempts: settings.bankAttempts },
  });

  const { paymentIds } = await reads.findUnknownPayouts({ limit: settings.batchSize });
  const result: PayoutJanitorResult = { looked: paymentIds.length, paid: 0, notPaid: 0, unresolved: 0 };
  for (const paymentId of paymentIds) {
    let resolution;
    try {
      resolution = await bank.askBankForPayout({ paymentId });
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      // No answer is no answer: the payment stays PAYOUT_UNKNOWN for the next run.
      log.warn('the bank could not say what became of a payout', { paymentId, error: String(err.cause) });
      result.unresolved += 1;
      continue;
    }
    try {
      await getExternalWorkflowHandle(paymentWorkflowId(paymentId)).signal(resolvePayoutSignal, resolution);
    } catch (err) {
      log.error('payment workflow unreachable: payout outcome known but not applied', {
        paymentId,
        outcome: resolution.outcome,
        error: String(err),
      });
      result.unresolved += 1;
      continue;
    }
    if (resolution.outcome === 'PAID') result.paid += 1;
    else result.notPaid += 1;
  }
  // Runs started before the orphan check replay without it.
  if (patched('find-orphaned-payments')) {
    const orphans = await reads.findOrphanedPayments({ limit: settings.batchSize });
    result.orphaned = orphans.orphaned;
  }
  log.info('payout janitor run done', { ...result });
  return result;
}
