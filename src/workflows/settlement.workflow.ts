import {
  ApplicationFailure,
  continueAsNew,
  executeChild,
  log,
  ParentClosePolicy,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { latestEndedPeriod } from '../domain/settlement-period';
import type { SettlementActivities } from '../activities/settlement.activities';
import type { SettlementPageItem } from '../activities/settlement.activities.types';
import { paymentWorkflowType, type PaymentWorkflow } from './payment.messages';
import {
  CurrencyKey,
  PartnerIdKey,
  PaymentStatusKey,
  TemporalScheduledStartTimeKey,
} from './search-attributes';
import {
  settlementProgressQuery,
  type ScheduledSettlementInput,
  type ScheduledSettlementResult,
  type SettlementProgress,
  type SettlementWorkflowInput,
  type SettlementWorkflowResult,
} from './settlement.messages';
import { paymentWorkflowId, settlementWorkflowId } from './workflow-ids';

/**
 * Pays one period: plans it (claims the payable commissions, one item per partner + currency),
 * then starts each payout as a `paymentWorkflow` child — so approval thresholds, four-eyes, the
 * bank's idempotency, the saga and notices all apply unchanged — keeping at most `concurrency`
 * in flight. Children are abandoned, not owned: a completed payout stays open for refunds long
 * after the run. The run tracks them through the read model (one query per poll), which is also
 * why it can continue as new after every page without losing any of them.
 */
export async function settlementWorkflow(input: SettlementWorkflowInput): Promise<SettlementWorkflowResult> {
  const { settings, settlementId } = input;
  const retry = {
    initialInterval: settings.retryInitialIntervalMs,
    maximumInterval: settings.retryMaxIntervalMs,
    backoffCoefficient: 2,
  };
  const acts = proxyActivities<SettlementActivities>({
    startToCloseTimeout: settings.activityStartToCloseMs,
    retry,
  });
  // Reads of the read model: a marker in history instead of three events per look.
  const reads = proxyLocalActivities<SettlementActivities>({
    startToCloseTimeout: settings.activityStartToCloseMs,
    retry,
  });

  const view: SettlementProgress = {
    settlementId,
    phase: 'PLANNING',
    itemCount: input.cursor?.itemCount ?? 0,
    skippedCount: input.cursor?.skippedCount ?? 0,
    started: input.cursor?.started ?? 0,
    finished: 0,
    awaitingApproval: 0,
    byStatus: {},
  };
  setHandler(settlementProgressQuery, () => view);

  let cursor = input.cursor;
  if (!cursor) {
    const plan = await acts.planSettlementRun({
      settlementId,
      periodEnd: input.periodEnd,
      currency: input.currency,
      trigger: input.trigger,
      startedBy: input.startedBy,
      timeZone: settings.timeZone,
    });
    cursor = {
      itemCount: plan.itemCount,
      skippedCount: plan.skippedCount,
      afterSeq: 0,
      started: 0,
      reportAtFinished: 0,
    };
  }
  Object.assign(view, { phase: 'PAYING', itemCount: cursor.itemCount, skippedCount: cursor.skippedCount });
  const step = Math.max(1, Math.floor(cursor.itemCount / 100));
  let startedThisRun = 0;

  const start = async (item: SettlementPageItem): Promise<void> => {
    try {
      await startChild<PaymentWorkflow>(paymentWorkflowType, {
        workflowId: paymentWorkflowId(item.paymentId),
        taskQueue: settings.paymentTaskQueue,
        args: [
          {
            paymentId: item.paymentId,
            partnerId: item.partnerId,
            currency: item.currency,
            lines: [],
            createdBy: input.startedBy,
            settlementId,
            settings: settings.payment,
          },
        ],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: PartnerIdKey, value: item.partnerId },
          { key: CurrencyKey, value: item.currency },
          { key: PaymentStatusKey, value: 'PENDING' },
        ],
      });
    } catch (err) {
      // Started by an earlier attempt of this run (a retried workflow task): exactly one payout anyway.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  };

  for (;;) {
    const progress = await reads.settlementProgress({
      settlementId,
      periodEnd: input.periodEnd,
      currency: input.currency,
      itemCount: cursor.itemCount,
      skippedCount: cursor.skippedCount,
      reportAtFinished: cursor.reportAtFinished,
    });
    if (progress.reported) cursor.reportAtFinished = progress.finished + step;
    Object.assign(view, {
      started: cursor.started,
      finished: progress.finished,
      awaitingApproval: progress.awaitingApproval,
      byStatus: progress.byStatus,
    });
    if (cursor.started === cursor.itemCount && progress.finished >= cursor.itemCount) break;

    const inFlight = cursor.started - progress.finished - progress.awaitingApproval;
    const room = Math.min(
      settings.concurrency - inFlight,
      settings.pageSize - startedThisRun,
      cursor.itemCount - cursor.started,
    );
    if (room > 0) {
      const page = await reads.loadSettlementPage({ settlementId, afterSeq: cursor.afterSeq, limit: room });
      if (page.items.length === 0) {
        throw ApplicationFailure.nonRetryable(
          `settlement ${settlementId}: ${cursor.itemCount - cursor.started} payouts planned but none left to start`,
          'SETTLEMENT.ITEMS_MISSING',
        );
      }
      await Promise.all(page.items.map(start));
      cursor.afterSeq = page.items.at(-1)!.seq;
      cursor.started += page.items.length;
      startedThisRun += page.items.length;
      view.started = cursor.started;
      continue;
    }
    if (startedThisRun >= settings.pageSize || workflowInfo().historyLength >= settings.maxHistoryEvents) {
      log.info('settlement continues as new', { settlementId, started: cursor.started });
      return continueAsNew<typeof settlementWorkflow>({ ...input, cursor });
    }
    await sleep(inFlight > 0 ? settings.pollIntervalMs : settings.idlePollIntervalMs);
  }

  const done = await acts.completeSettlementRun({ settlementId });
  Object.assign(view, { phase: 'COMPLETED', byStatus: done.byStatus });
  return {
    settlementId,
    itemCount: cursor.itemCount,
    skippedCount: cursor.skippedCount,
    byStatus: done.byStatus,
  };
}

/**
 * What the Temporal Schedule starts. Schedules name their workflows themselves, so this one
 * starts the period's run under its deterministic id: a period settled by hand already is skipped.
 */
export async function scheduledSettlementWorkflow(
  input: ScheduledSettlementInput,
): Promise<ScheduledSettlementResult> {
  const due = workflowInfo().typedSearchAttributes.get(TemporalScheduledStartTimeKey) ?? new Date();
  // The day before the action was due, in the programme's zone (the Schedule fires on its clock):
  // a run on the 1st settles up to the last day of the month before.
  const periodEnd = latestEndedPeriod(due, input.settings.timeZone);
  const settlementId = settlementWorkflowId(periodEnd, input.currency);
  try {
    const result = await executeChild(settlementWorkflow, {
      workflowId: settlementId,
      args: [
        {
          settlementId,
          periodEnd,
          currency: input.currency,
          trigger: 'schedule',
          startedBy: 'schedule',
          settings: input.settings,
        },
      ],
      // The run outlives a terminated trigger; its payouts outlive the run.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    return { settlementId, skipped: false, result };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      log.info('period already settled or running: schedule trigger skipped', { settlementId });
      return { settlementId, skipped: true };
    }
    throw err;
  }
}
