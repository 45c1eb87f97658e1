import { startSettlement } from '../../application/settlement/start-settlement';
import { releaseSettlement } from '../../application/settlement/release-settlement';
import { decideSettlement } from '../../application/settlement/decide-settlement';
import { AuthFailureThrottle } from '../../api/auth-throttle';
import { codecRoutes } from '../../api/codec.routes';
import { createApi } from '../../api/create-api';
import { notificationRoutes } from '../../api/notification.routes';
import { settlementRoutes } from '../../api/settlement.routes';
import { bankFileRoutes } from '../../api/bank-file.routes';
import { reconciliationRoutes } from '../../api/reconciliation.routes';
import { applyStatement } from '../../application/reconciliation/apply-statement';
import { importBankStatements } from '../../application/reconciliation/import-bank-statements';
import { resolveException } from '../../application/reconciliation/resolve-exception';
import { ReconciliationQueries } from '../../infra/db/reconciliation.store';
import { payoutRouteRoutes } from '../../api/payout-route.routes';
import { BankFileStore } from '../../infra/rails/iso20022/bank-file.store';
import { SettlementQueries } from '../../infra/db/settlement.queries';
import { TemporalSettlementSchedule } from '../../infra/temporal/settlement-schedule';
import { TemporalSettlementCommands } from '../../infra/temporal/settlement-workflow.client';
import { DecisionSigner } from '../../infra/auth/actor-assertion';
import { ApiKeyRegistry } from '../../infra/auth/api-key-registry';
import { WsTokens } from '../../infra/auth/ws-token';
import { openAuthFailureStore } from '../../infra/db/auth-failure-store';
import { KnexAuditLog } from '../../infra/db/audit-log';
import { CommissionQueries } from '../../infra/db/commission.queries';
import { NotificationAttemptQueries } from '../../infra/db/notification-attempts';
import { NotificationQueries } from '../../infra/db/notification.queries';
import { KnexPartnerNotificationSettings } from '../../infra/db/notification.repository';
import { KnexPartnerRepository } from '../../infra/db/partner.repository';
import { PaymentQueries } from '../../infra/db/payment.queries';
import { KnexPartnerNoticeQueue } from '../../infra/db/partner-notice-outbox';
import { PartnerNotificationsClient } from '../../infra/notifications/partner-notifications.client';
import { PartnerNoticeRelay } from '../../infra/notifications/partner-notice-relay';
import { TemporalPayoutReturnSignal } from '../../infra/temporal/payout-returned.client';
import { nameBasedUuid } from '../../shared/name-based-uuid';
import { newWebhookSecret } from '../../infra/notifications/webhook-signature';
import { WebhookSecretBox } from '../../infra/notifications/webhook-secret-box';
import { createMetrics } from '../../infra/observability/metrics';
import { commissionUseCases } from '../../application/commission/commission-use-cases';
import { partnerUseCases } from '../../application/partner/partner-use-cases';
import { TemporalPaymentCommands } from '../../infra/temporal/payment-workflow.client';
import { TemporalPaymentExecutions } from '../../infra/temporal/payment-executions';
import { KnexPaymentOrphanStore } from '../../infra/db/payment-orphan.store';
import { TemporalPaymentTimelineReader } from '../../infra/temporal/payment-timeline.reader';
import { partnerPayability, partnersPayability } from '../../application/partner/payability';
import { reviewTaxProfile, submitTaxProfile, taxProfileOf } from '../../application/partner/tax-profile';
import { taxProfileRoutes } from '../../api/tax-profile.routes';
import { TaxFormQueries } from '../../infra/db/tax-profile.repository';
import { TaxYearEndQueries } from '../../infra/db/tax-year-end.queries';
import { taxYearEnd } from '../../application/partner/tax-year-end';
import { settlementSettings, workflowSettings } from './workflow-settings';
import type { SystemContext } from './system-context';
import { reconciliationParts } from './reconciliation';
import { recordPayoutReversal } from '../../application/payment/record-payout-reversal';
import { stripeWebhookHandler } from '../../infra/rails/stripe/stripe-webhook';

const requireSigningKey = (key: string | undefined): string => {
  if (!key)
    throw new Error(
      'the API signs operator decisions: set ACTOR_SIGNING_KEY (ACTOR_VERIFY_KEY alone is for workers)',
    );
  return key;
};

/** The HTTP API over the read models and the Temporal client; resolves with the URL it listens on. */
export async function startApiComponent(ctx: SystemContext): Promise<string> {
  const { config, db, secrets } = ctx;
  const log = ctx.logger.child({ component: 'api' });
  const client = await ctx.temporalClient();
  const schedule = new TemporalSettlementSchedule(
    client,
    config.settlements.scheduleId,
    config.settlements.schedule,
    config.settlements.timeZone,
  );
  // Failed authentications are counted in PostgreSQL, shared by every API replica (memory with
  // PGlite); the scope names this deployment (its task queue) within the table.
  const authFailures = new AuthFailureThrottle(
    await openAuthFailureStore(db, {
      kind: config.database.kind,
      perMinute: config.security.authFailuresPerMinute,
      scope: `${config.temporal.namespace}/${config.temporal.taskQueue}`,
    }),
  );
  const partnerNotifications = new PartnerNotificationsClient(
    client,
    config.notifications.taskQueue,
    config.notifications.workflow,
  );
  // Payout-account changes put their notices in an outbox in their own transaction; this sends them
  // (right after the commit, and on each sweep until the partner's notification workflow has them).
  const noticeRelay = new PartnerNoticeRelay({
    queue: new KnexPartnerNoticeQueue(db, config.notifications.taskQueue),
    notifier: partnerNotifications,
    accountCooloffMs: config.payments.payoutAccountCooloffMs,
    intervalMs: Math.max(100, config.notifications.relay.intervalMs),
    logger: log.child({ part: 'partner-notice-relay' }),
  });
  const commissionReads = new CommissionQueries(db);
  // One signer for payment and run decisions: the workflows check its signature.
  const decisionSigner = new DecisionSigner(
    requireSigningKey(secrets.actorSigningKey),
    config.security.actorAssertionTtlMs,
  );
  const settlementCommands = new TemporalSettlementCommands(
    client,
    config.temporal.taskQueue,
    settlementSettings(config),
    decisionSigner,
    3 * config.temporal.workflowTaskTimeoutMs,
  );
  // A dry run applies TAX_FORM_REQUIRED as the run's own claim does (ctx.uow's settlements).
  const settlementReads = new SettlementQueries(db, config.tax.formRequired);
  const nextSettlementAt = async () => (await schedule.describe())?.nextRunAt ?? null;
  const payabilityDeps = {
    taxForms: new TaxFormQueries(db),
    balances: commissionReads,
    minimums: config.settlements.minimums,
    requirement: config.tax.formRequired,
    nextRunAt: nextSettlementAt,
  };
  const recon = config.reconciliation;
  // A return tells the payment's workflow (after its commit) and sends the partner's notice.
  const reconParts = reconciliationParts(ctx, config.sandboxBank.url, {
    returns: new TemporalPayoutReturnSignal(client, log.child({ part: 'payout-returns' })),
    notices: noticeRelay,
  });
  const { uow: reconUow } = reconParts;
  const api = createApi({
    commands: new TemporalPaymentCommands(
      client,
      config.temporal.taskQueue,
      workflowSettings(config),
      decisionSigner,
      config.temporal.workflowTaskTimeoutMs,
    ),
    reads: new PaymentQueries(db),
    timeline: new TemporalPaymentTimelineReader(client),
    orphans: { executions: new TemporalPaymentExecutions(client), store: new KnexPaymentOrphanStore(db) },
    partners: new KnexPartnerRepository(db),
    partnerPayability: (partners) => partnersPayability(payabilityDeps, partners),
    useCases: {
      partners: partnerUseCases({
        uow: ctx.uow,
        newId: () => globalThis.crypto.randomUUID(),
        cooloffMs: config.payments.payoutAccountCooloffMs,
        notices: noticeRelay,
      }),
      commissions: commissionUseCases({
        uow: ctx.uow,
        reads: commissionReads,
        holdMs: config.settlements.commissionHoldMs,
        currencies: config.settlements.minimums,
        newId: () => globalThis.crypto.randomUUID(),
        now: () => new Date(),
        clawbackId: (externalRef) => nameBasedUuid('commission-clawback', externalRef),
      }),
    },
    commissions: {
      reads: commissionReads,
      minimums: config.settlements.minimums,
      nextSettlementAt,
    },
    maxAmountMinor: config.settlements.maximums,
    idempotencyKeyRequired: config.payments.idempotencyKeyRequired,
    logger: log,
    apiKeys: new ApiKeyRegistry(secrets.apiKeys),
    wsTokens: new WsTokens(secrets.wsTokenSecret, config.security.wsTokenTtlMs),
    probes: [
      { name: 'database', check: async () => void (await db.raw('select 1')) },
      { name: 'temporal', check: async () => void (await client.workflowService.getSystemInfo({})) },
    ],
    temporalUiUrl: config.temporal.uiUrl,
    namespace: config.temporal.namespace,
    publicUrl: config.api.publicUrl,
    corsOrigins: config.security.corsOrigins,
    rateLimitPerMinute: config.security.rateLimitPerMinute,
    authFailures,
    bodyLimit: config.security.bodyLimit,
    metrics: createMetrics(db, { settlementRunning: (id) => settlementCommands.isRunning(id) }),
    audit: new KnexAuditLog(db),
    // Stripe's webhooks, only with the endpoint's signing secret (STRIPE_WEBHOOK_SECRET).
    webhooks: config.stripe.webhookSecret
      ? [
          {
            path: '/webhooks/stripe',
            handlers: stripeWebhookHandler({
              secret: config.stripe.webhookSecret,
              onEvent: async (e) => {
                await recordPayoutReversal(
                  { uow: ctx.uow, eventIdFor: (id) => nameBasedUuid('stripe-event', id) },
                  {
                    provider: 'stripe',
                    providerEventId: e.eventId,
                    paymentId: e.paymentId,
                    transferId: e.transferId,
                    reversedMinor: e.amountMinor,
                    currency: e.currency,
                  },
                );
              },
            }),
          },
        ]
      : [],
    extraRoutes: [
      (routes) =>
        // The workers' codec: plain payloads are refused here too, unless CODEC_ACCEPT_PLAINTEXT.
        codecRoutes(routes, {
          codec: ctx.payloadCodec,
          uiToken: secrets.codecUiToken,
          failures: authFailures,
        }),
      // The file rail's records are plain reads: listed whether or not a route names the rail.
      (routes) => bankFileRoutes(routes, { reads: new BankFileStore(db) }),
      (routes) => payoutRouteRoutes(routes, { routes: config.rails.routes }),
      (routes) =>
        reconciliationRoutes(routes, {
          applyStatement: ({ xml, actor, audit }) =>
            applyStatement(reconParts, { xml, source: 'upload', actor, audit }),
          importBankStatements: ({ actor }) =>
            importBankStatements(reconParts, { accounts: reconParts.accounts, actor }),
          resolveException: (input) =>
            resolveException({ uow: reconUow, fourEyesAboveMinor: recon.writeOffFourEyesMinor }, input),
          reads: new ReconciliationQueries(db),
          writeOffFourEyesAboveMinor: recon.writeOffFourEyesMinor,
        }),
      (routes) =>
        settlementRoutes(routes, {
          startSettlement: (req) =>
            startSettlement(
              { uow: ctx.uow, commands: settlementCommands, timeZone: config.settlements.timeZone },
              req,
            ),
          releaseSettlement: (input) =>
            releaseSettlement({ uow: ctx.uow, commands: settlementCommands }, input),
          decideSettlement: (input) =>
            decideSettlement({ reads: settlementReads, commands: settlementCommands }, input),
          commands: settlementCommands,
          reads: settlementReads,
          schedule,
          minimums: config.settlements.minimums,
          maxPaymentMinor: config.settlements.maximums,
          timeZone: config.settlements.timeZone,
          temporalUiUrl: config.temporal.uiUrl,
          namespace: config.temporal.namespace,
        }),
      (routes) =>
        taxProfileRoutes(routes, {
          submit: (input) => submitTaxProfile({ uow: ctx.uow }, input),
          review: (input) => reviewTaxProfile({ uow: ctx.uow }, input),
          read: (partnerId) => taxProfileOf({ uow: ctx.uow }, partnerId),
          payability: (partnerId) =>
            partnerPayability({ partners: new KnexPartnerRepository(db), ...payabilityDeps }, partnerId),
          yearEnd: (year) => taxYearEnd({ reads: new TaxYearEndQueries(db) }, year),
        }),
      (routes) =>
        notificationRoutes(routes, {
          notifications: new NotificationQueries(db),
          deliveries: new NotificationAttemptQueries(db),
          settings: new KnexPartnerNotificationSettings(db, {
            box: new WebhookSecretBox(secrets.webhookSecretKeys),
            overlapMs: config.notifications.webhook.secretOverlapMs,
          }),
          commands: partnerNotifications,
          newSecret: newWebhookSecret,
        }),
    ],
  });
  const url = await api.start(config.api.port, config.api.host);
  ctx.onStop(() => api.stop());
  noticeRelay.start();
  // Registered after the API's stop, so it runs first (stops run in reverse): no sweep outlives the pool.
  ctx.onStop(() => noticeRelay.stop());
  log.info({ url }, 'API listening');
  return url;
}
