import {
  ApplicationFailure,
  continueAsNew,
  executeChild,
  allHandlersFinished,
  condition,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { latestEndedPeriod } from '../domain/settlement-period';
import type { RunApprovalStatus } from '../domain/settlement-approval';
import type { SettlementActivities } from '../activities/settlement.activities';
import type {
  PlanSettlementResult,
  SettlementPageItem,
  SettlementProgressResult,
} from '../activities/settlement.activities.types';
import { checkDecision } from './decision-assertion';
import { refuse } from './payment.decisions';
import { paymentWorkflowType, type PaymentWorkflow } from './payment.messages';
import {
  CurrencyKey,
  PartnerIdKey,
  PaymentStatusKey,
  TemporalScheduledStartTimeKey,
} from './search-attributes';
import {
  decideRunUpdate,
  settlementProgressQuery,
  type ScheduledSettlementInput,
  type ScheduledSettlementResult,
  type SettlementCursor,
  type SettlementProgress,
  type SettlementSettings,
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
  // Runs begun before payouts were started by an activity keep starting them as children.
  if (patched(PAYOUTS_STARTED_BY_ACTIVITY)) return settleWithStarter(input);
  const { settings, settlementId } = input;
  const { acts, reads, view } = runContext(input);

  let cursor = input.cursor;
  if (!cursor) cursor = cursorOf(await acts.planSettlementRun(planInput(input)));
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

/** The patch behind which a run over its approval thresholds waits for a second operator. */
export const RUN_APPROVAL = 'run-approval';

/** What both kinds of run share: their activities, their read-model looks and the progress query. */
function runContext(input: SettlementWorkflowInput) {
  const { settings } = input;
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
    settlementId: input.settlementId,
    phase: 'PLANNING',
    itemCount: input.cursor?.itemCount ?? 0,
    skippedCount: input.cursor?.skippedCount ?? 0,
    started: input.cursor?.started ?? 0,
    finished: 0,
    awaitingApproval: 0,
    byStatus: {},
  };
  setHandler(settlementProgressQuery, () => view);
  return { acts, reads, view, retry };
}

const planInput = (input: SettlementWorkflowInput, approval?: SettlementSettings['approval']) => ({
  settlementId: input.settlementId,
  periodEnd: input.periodEnd,
  currency: input.currency,
  ...(input.settings.timeZone ? { timeZone: input.settings.timeZone } : {}),
  trigger: input.trigger,
  startedBy: input.startedBy,
  ...(approval ? { approval } : {}),
});

const cursorOf = (plan: PlanSettlementResult): SettlementCursor => ({
  itemCount: plan.itemCount,
  skippedCount: plan.skippedCount,
  afterSeq: 0,
  started: 0,
  reportAtFinished: 0,
});

/** The patch behind which the Schedule claims a period before it starts the period's run. */
export const CLAIM_PERIOD_BEFORE_RUN = 'claim-period-before-run';

/** The patch behind which a run's payouts are started by an activity, not as children. */
export const PAYOUTS_STARTED_BY_ACTIVITY = 'payouts-started-by-activity';

/** The starter works as long as the payouts take; its heartbeat says it is alive and where it got to. */
const STARTER_HEARTBEAT_MS = 30_000;
const STARTER_START_TO_CLOSE_MS = 7 * 86_400_000;

/**
 * A run at payroll scale: plans the period, then an activity starts its payouts a page at a time
 * as payment workflows of their own (bounded by `concurrency`, resuming from its heartbeat) and
 * reports progress from the run's counters — one read per look whatever the run's size. No payout
 * reports into this history, so its cost per payout stays flat and a continue-as-new (after every
 * page) fails no workflow task. Once every payout is started, the run follows them to the end.
 */
async function settleWithStarter(input: SettlementWorkflowInput): Promise<SettlementWorkflowResult> {
  const { settings, settlementId } = input;
  const { acts, reads, view, retry } = runContext(input);
  const starter = proxyActivities<SettlementActivities>({
    startToCloseTimeout: STARTER_START_TO_CLOSE_MS,
    heartbeatTimeout: STARTER_HEARTBEAT_MS,
    retry,
  });

  let decided: RunApprovalStatus | undefined;
  let decisionKey: string | undefined;
  // Decisions on a run awaiting approval; refused in any other phase (nothing is recorded then).
  setHandler(
    decideRunUpdate,
    async (d) => {
      const r = await acts.decideSettlementRun({
        settlementId,
        action: d.action,
        actor: d.actor,
        reason: d.reason ?? null,
      });
      decided ??= r.approval;
      return r;
    },
    {
      validator: (d) => {
        if (view.phase !== 'AWAITING_APPROVAL') {
          refuse(
            'SETTLEMENT.NOT_AWAITING_APPROVAL',
            `the run ${settlementId} is not awaiting approval (${view.phase.toLowerCase()})`,
          );
        }
        if (!d || (d.action !== 'approve' && d.action !== 'reject')) {
          refuse('SETTLEMENT.INVALID_DECISION', 'a decision is approve or reject');
        }
        if (typeof d.actor !== 'string' || d.actor.trim() === '') {
          refuse('SETTLEMENT.ACTOR_REQUIRED', 'an actor is required');
        }
        // Four eyes, before anything is written (the decision's own transaction checks it again).
        if (d.actor === input.startedBy) {
          refuse(
            'SETTLEMENT.FOUR_EYES_VIOLATION',
            `${d.actor} started the run: a second operator decides it`,
          );
        }
        // Only decisions the API signed for this run, action and actor (a run's id never looks
        // like a payment's, so a payment's signature cannot pass for a run's).
        if (decisionKey) {
          const check = checkDecision(
            decisionKey,
            { paymentId: settlementId, action: d.action, actor: d.actor },
            d.assertion,
            Date.now(),
          );
          if (check !== 'ok') {
            refuse(
              'SETTLEMENT.DECISION_NOT_AUTHENTIC',
              `the decision's signature is ${check}: decisions go through the API`,
            );
          }
        }
      },
    },
  );
  /**
   * Waits for a second operator's decision until the run's deadline; past it, the run expires.
   * The database arbitrates a decision racing the expiry: the expiry answers whichever won.
   */
  const awaitApproval = async (plan: PlanSettlementResult): Promise<RunApprovalStatus> => {
    const { status, deadline } = plan.approval!;
    if (status !== 'AWAITING') return status;
    Object.assign(view, {
      phase: 'AWAITING_APPROVAL',
      itemCount: plan.itemCount,
      skippedCount: plan.skippedCount,
    });
    const left = Date.parse(deadline) - Date.now();
    if (left > 0 && (await condition(() => decided !== undefined, left))) return decided!;
    const expired = await acts.decideSettlementRun({
      settlementId,
      action: 'expire',
      actor: 'system',
      reason: 'approval_timeout',
    });
    return expired.approval;
  };

  let cursor = input.cursor;
  if (!cursor) {
    // Runs begun before runs were approved as a whole go straight to paying.
    const gated = patched(RUN_APPROVAL);
    const plan = await acts.planSettlementRun(planInput(input, gated ? settings.approval : undefined));
    cursor = cursorOf(plan);
    if (gated && plan.approval && plan.approval.status !== 'APPROVED') {
      decisionKey = plan.decisionKey;
      const outcome = await awaitApproval(plan);
      if (outcome !== 'APPROVED') {
        view.phase = outcome === 'REJECTED' ? 'REJECTED' : 'RELEASED';
        await condition(allHandlersFinished);
        return {
          settlementId,
          itemCount: plan.itemCount,
          skippedCount: plan.skippedCount,
          byStatus: {},
          approval: outcome,
        };
      }
    }
  }
  const run = cursor;
  Object.assign(view, { phase: 'PAYING', itemCount: run.itemCount, skippedCount: run.skippedCount });
  const report = {
    settlementId,
    periodEnd: input.periodEnd,
    currency: input.currency,
    itemCount: run.itemCount,
    skippedCount: run.skippedCount,
  };
  const reportEvery = Math.max(1, Math.floor(run.itemCount / 100));
  const show = (p: SettlementProgressResult): void => {
    Object.assign(view, {
      started: run.started,
      finished: p.finished,
      awaitingApproval: p.awaitingApproval,
      byStatus: p.byStatus,
    });
  };

  if (run.started < run.itemCount) {
    const page = await starter.startSettlementPayouts({
      ...report,
      reportAtFinished: run.reportAtFinished,
      startedBy: input.startedBy,
      afterSeq: run.afterSeq,
      started: run.started,
      pageSize: settings.pageSize,
      concurrency: settings.concurrency,
      pollIntervalMs: settings.pollIntervalMs,
      reportEvery,
    });
    Object.assign(run, {
      afterSeq: page.afterSeq,
      started: page.started,
      reportAtFinished: page.reportAtFinished,
    });
    show(page);
    if (page.finished < run.itemCount) {
      await condition(allHandlersFinished);
      log.info('settlement continues as new after a page', { settlementId, started: run.started });
      return continueAsNew<typeof settlementWorkflow>({ ...input, cursor: run });
    }
  }

  // Every payout started: follow them to their ends.
  for (;;) {
    const progress = await reads.settlementProgress({ ...report, reportAtFinished: run.reportAtFinished });
    if (progress.reported) run.reportAtFinished = progress.finished + reportEvery;
    show(progress);
    if (progress.finished >= run.itemCount) break;
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= settings.maxHistoryEvents) {
      await condition(allHandlersFinished);
      log.info('settlement continues as new', { settlementId, finished: progress.finished });
      return continueAsNew<typeof settlementWorkflow>({ ...input, cursor: run });
    }
    const waiting = progress.finished + progress.awaitingApproval < run.itemCount;
    await sleep(waiting ? settings.pollIntervalMs : settings.idlePollIntervalMs);
  }

  const done = await acts.completeSettlementRun({ settlementId });
  Object.assign(view, { phase: 'COMPLETED', byStatus: done.byStatus });
  return { settlementId, itemCount: run.itemCount, skippedCount: run.skippedCount, byStatus: done.byStatus };
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
  // One run per period: a period any run holds (one currency or all) is skipped, not paid again.
  if (patched(CLAIM_PERIOD_BEFORE_RUN)) {
    const { claimSettlementPeriod } = proxyLocalActivities<SettlementActivities>({
      startToCloseTimeout: input.settings.activityStartToCloseMs,
      retry: {
        initialInterval: input.settings.retryInitialIntervalMs,
        maximumInterval: input.settings.retryMaxIntervalMs,
      },
    });
    const holder = await claimSettlementPeriod({ settlementId, periodEnd, currency: input.currency });
    if (holder !== settlementId) {
      log.info('period settled by another run: schedule trigger skipped', { settlementId, holder });
      return { settlementId: holder, skipped: true };
    }
  }
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
