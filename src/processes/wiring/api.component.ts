import { codecRoutes } from '../../api/codec.routes';
import { createApi } from '../../api/create-api';
import { notificationRoutes } from '../../api/notification.routes';
import { ApiKeyRegistry } from '../../infra/auth/api-key-registry';
import { WsTokens } from '../../infra/auth/ws-token';
import { NotificationQueries } from '../../infra/db/notification.queries';
import { KnexPartnerNotificationSettings } from '../../infra/db/notification.repository';
import { KnexPartnerRepository } from '../../infra/db/partner.repository';
import { PaymentQueries } from '../../infra/db/payment.queries';
import { PartnerNotificationsClient } from '../../infra/notifications/partner-notifications.client';
import { newWebhookSecret } from '../../infra/notifications/webhook-signature';
import { createMetrics } from '../../infra/observability/metrics';
import { TemporalPaymentCommands } from '../../infra/temporal/payment-workflow.client';
import { workflowSettings } from './payment-settings';
import type { SystemContext } from './system-context';

/** The HTTP API over the read models and the Temporal client; resolves with the URL it listens on. */
export async function startApiComponent(ctx: SystemContext): Promise<string> {
  const { config, db, secrets, dataConverter } = ctx;
  const log = ctx.logger.child({ component: 'api' });
  const client = await ctx.temporalClient();
  const api = createApi({
    commands: new TemporalPaymentCommands(client, config.temporal.taskQueue, workflowSettings(config)),
    reads: new PaymentQueries(db),
    partners: new KnexPartnerRepository(db),
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
