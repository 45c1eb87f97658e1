import { Client } from '@temporalio/client';
import {
  OpenTelemetryPlugin,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { NativeConnection } from '@temporalio/worker';
import { createNotificationSignalActivities } from '../../activities/notification.activities';
import { createPaymentActivities } from '../../activities/payment.activities';
import { createPayoutJanitorActivities } from '../../activities/payout-janitor.activities';
import { createSettlementActivities } from '../../activities/settlement.activities';
import { PartnerNotificationsClient } from '../../infra/notifications/partner-notifications.client';
import { verifyKeyHex } from '../../infra/auth/actor-assertion';
import { crashPlanPoint } from '../../infra/testing/crash-plan';
import { ensureJanitorSchedule } from '../../infra/temporal/janitor-schedule';
import { KnexPaymentOrphanStore } from '../../infra/db/payment-orphan.store';
import { TemporalPaymentExecutions } from '../../infra/temporal/payment-executions';
import { ensureSettlementSchedule } from '../../infra/temporal/settlement-schedule';
import { TemporalSettlementPayoutStarter } from '../../infra/temporal/settlement-payout-starter';
import { TemporalPayoutReturnSignal } from '../../infra/temporal/payout-returned.client';
import type { PayoutReturnSignal } from '../../ports/reconciliation.port';
import { createTemporalWorker } from '../../infra/temporal/temporal-worker';
import { nameBasedUuid } from '../../shared/name-based-uuid';
import {
  bankFileCycleSettings,
  payoutJanitorSettings,
  settlementSettings,
  workflowSettings,
} from './workflow-settings';
import { createTaxFormExpiryActivities } from '../../activities/tax-form-expiry.activities';
import { ensureTaxFormExpirySchedule } from '../../infra/temporal/tax-form-expiry-schedule';
import type { SystemContext } from './system-context';
import { createPayoutRails } from './payout-rails';

/** Every workflow the payments worker serves (the bundle entry). */
export const paymentWorkflowsPath = require.resolve('../../workflows');

export interface PaymentWorkerOptions {
  /** Where the payout provider answers: SANDBOX_BANK_URL, or the bank started in this process. */
  bankUrl: string | undefined;
  /** Prebuilt workflow bundle (tests, images); without it the worker bundles from source. */
  workflowBundlePath: string | undefined;
}

/** The payments worker: payment activities over the database and the payout provider, and the payment workflows. */
export async function startPaymentWorker(ctx: SystemContext, opts: PaymentWorkerOptions): Promise<void> {
  const { config, tracing } = ctx;
  const log = ctx.logger.child({ component: 'worker' });
  const { crashPlanPath } = config.payoutJanitor.testFaults;
  const crashPoint = crashPlanPath ? crashPlanPoint(crashPlanPath) : undefined;
  let client: Client | undefined;
  // The client exists once the worker's connection does, before any activity runs.
  const returns: PayoutReturnSignal = {
    payoutReturned: (paymentId, input) =>
      client
        ? new TemporalPayoutReturnSignal(client, log.child({ part: 'payout-returns' })).payoutReturned(
            paymentId,
            input,
          )
        : Promise.resolve(),
  };
  const rails = createPayoutRails(ctx, opts.bankUrl, returns);
  const { provider } = rails;
  const { worker, connection } = await createTemporalWorker({
    ...ctx.temporal,
    taskQueue: config.temporal.taskQueue,
    // Notices and Schedules go through the worker's own native connection: no second (grpc-js) one.
    activities: (native: NativeConnection) => {
      client = new Client({
        connection: native,
        namespace: ctx.temporal.namespace,
        dataConverter: ctx.dataConverter,
        interceptors: {
          workflow: tracing ? [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })] : [],
        },
      });
      const janitor = createPayoutJanitorActivities({
        uow: ctx.uow,
        provider,
        executions: new TemporalPaymentExecutions(client),
        orphans: new KnexPaymentOrphanStore(ctx.db),
      });
      const notifier = new PartnerNotificationsClient(
        client,
        config.notifications.taskQueue,
        config.notifications.workflow,
      );
      const settlement = createSettlementActivities({
        uow: ctx.uow,
        minimums: config.settlements.minimums,
        maxPaymentMinor: config.settlements.maximums,
        paymentIdFor: (settlementId, partnerId, currency) =>
          nameBasedUuid('settlement-payment', `${settlementId}:${partnerId}:${currency}`),
        payouts: new TemporalSettlementPayoutStarter(
          client,
          config.temporal.taskQueue,
          workflowSettings(config),
          config.temporal.workflowTaskTimeoutMs,
        ),
        decisionVerifyKey: verifyKeyHex(ctx.secrets.actorVerifyKey),
      });
      return {
        ...settlement,
        ...janitor,
        ...createTaxFormExpiryActivities({
          uow: ctx.uow,
          noticeDays: config.tax.expiry.noticeDays,
          eventIdFor: (key) => nameBasedUuid('tax-form-expiring', key),
        }),
        ...rails.bankFileActivities,
        ...rails.reconciliationActivities,
        ...createPaymentActivities({
          uow: ctx.uow,
          provider,
          approvalThresholds: config.payments.approvalThresholds,
          maxAmountMinor: config.settlements.maximums,
          decisionVerifyKey: verifyKeyHex(ctx.secrets.actorVerifyKey),
          faults: config.payoutJanitor.testFaults,
          notifier,
          crashPoint,
        }),
        ...createNotificationSignalActivities({
          notifier,
          failEveryNotice: config.payoutJanitor.testFaults.failNotifyPartner,
          noticesUnavailable: config.payoutJanitor.testFaults.noticesUnavailable,
          crashPoint,
        }),
      };
    },
    workflowsPath: paymentWorkflowsPath,
    workflowBundlePath: opts.workflowBundlePath,
    maxCachedWorkflows: config.temporal.maxCachedWorkflows,
    dataConverter: ctx.dataConverter,
    plugins: tracing
      ? [new OpenTelemetryPlugin({ resource: tracing.resource, spanProcessor: tracing.spanProcessor })]
      : undefined,
  });
  const done = worker.run().catch((err: unknown) => {
    log.fatal({ err }, 'worker stopped unexpectedly');
    process.exitCode = 1;
  });
  ctx.onStop(async () => {
    worker.shutdown();
    await done;
    await connection.close();
  });
  log.info({ taskQueue: config.temporal.taskQueue }, 'worker polling');
  await ensureSettlementSchedule(client!, {
    scheduleId: config.settlements.scheduleId,
    spec: config.settlements.schedule,
    taskQueue: config.temporal.taskQueue,
    input: { currency: null, settings: settlementSettings(config) },
  });
  await ensureJanitorSchedule(client!, {
    scheduleId: config.payoutJanitor.scheduleId,
    spec: config.payoutJanitor.schedule,
    taskQueue: config.temporal.taskQueue,
    input: { settings: payoutJanitorSettings(config) },
  });
  await ensureTaxFormExpirySchedule(client!, {
    scheduleId: config.tax.expiry.scheduleId,
    spec: config.tax.expiry.schedule,
    taskQueue: config.temporal.taskQueue,
    input: { settings: bankFileCycleSettings(config) },
  });
  await rails.ensureSchedules(client!, config.temporal.taskQueue);
}
