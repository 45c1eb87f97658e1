import { codecRoutes } from '../../api/codec.routes';
import { createApi } from '../../api/create-api';
import { notificationRoutes } from '../../api/notification.routes';
import { settlementRoutes } from '../../api/settlement.routes';
import { SettlementQueries } from '../../infra/db/settlement.queries';
import { TemporalSettlementSchedule } from '../../infra/temporal/settlement-schedule';
import { TemporalSettlementCommands } from '../../infra/temporal/settlement-workflow.client';
import { ApiKeyRegistry } from '../../infra/auth/api-key-registry';
import { WsTokens } from '../../infra/auth/ws-token';
import { CommissionQueries } from '../../infra/db/commission.queries';
import { NotificationQueries } from '../../infra/db/notification.queries';
import { KnexPartnerNotificationSettings } from '../../infra/db/notification.repository';
import { KnexPartnerRepository } from '../../infra/db/partner.repository';
import { PaymentQueries } from '../../infra/db/payment.queries';
import { PartnerNotificationsClient } from '../../infra/notifications/partner-notifications.client';
import { nameBasedUuid } from '../../infra/name-based-uuid';
import { newWebhookSecret } from '../../infra/notifications/webhook-signature';
import { createMetrics } from '../../infra/observability/metrics';
import { TemporalPaymentCommands } from '../../infra/temporal/payment-workflow.client';
import { settlementSettings, workflowSettings } from './workflow-settings';
import type { SystemContext } from './system-context';

/** The HTTP API over the read models and the Temporal client; resolves with the URL it listens on. */
export async function startApiComponent(ctx: SystemContext): Promise<string> {
  const { config, db, secrets, dataConverter } = ctx;
  const log = ctx.logger.child({ component: 'api' });
  const client = await ctx.temporalClient();
  const schedule = new TemporalSettlementSchedule(
    client,
    config.settlements.scheduleId,
    config.settlements.schedule,
  );
  const api = createApi({
    commands: new TemporalPaymentCommands(client, config.temporal.taskQueue, workflowSettings(config)),
    reads: new PaymentQueries(db),
    partners: new KnexPartnerRepository(db),
    uow: ctx.uow,
    commissions: {
      reads: new CommissionQueries(db),
      holdMs: config.settlements.commissionHoldMs,
      minimums: config.settlements.minimums,
      nextSettlementAt: async () => (await schedule.describe())?.nextRunAt ?? null,
      clawbackId: (externalRef) => nameBasedUuid('commission-clawback', externalRef),
    },
    maxAmountMinor: config.payments.maxAmountMinor,
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
    bodyLimit: config.security.bodyLimit,
    metrics: createMetrics(db),
    extraRoutes: [
      (routes) =>
        codecRoutes(routes, { codec: dataConverter.payloadCodecs![0]!, uiToken: secrets.codecUiToken }),
      (routes) =>
        settlementRoutes(routes, {
          commands: new TemporalSettlementCommands(
            client,
            config.temporal.taskQueue,
            settlementSettings(config),
          ),
          reads: new SettlementQueries(db),
          schedule,
          minimums: config.settlements.minimums,
          maxPaymentMinor: config.payments.maxAmountMinor ?? Number.MAX_SAFE_INTEGER,
          temporalUiUrl: config.temporal.uiUrl,
          namespace: config.temporal.namespace,
        }),
      (routes) =>
        notificationRoutes(routes, {
          notifications: new NotificationQueries(db),
          settings: new KnexPartnerNotificationSettings(db),
          commands: new PartnerNotificationsClient(
            client,
            config.notifications.taskQueue,
            config.notifications.workflow,
          ),
          newSecret: newWebhookSecret,
        }),
    ],
  });
  const url = await api.start(config.api.port, config.api.host);
  ctx.onStop(() => api.stop());
  log.info({ url }, 'API listening');
  return url;
}
