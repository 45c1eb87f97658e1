import { inMemoryAuthFailureThrottle } from '../../src/api/auth-throttle';
import { codecRoutes } from '../../src/api/codec.routes';
import { createApi } from '../../src/api/create-api';
import { notificationRoutes } from '../../src/api/notification.routes';
import { settlementRoutes } from '../../src/api/settlement.routes';
import { taxProfileRoutes } from '../../src/api/tax-profile.routes';
import { bankFileRoutes } from '../../src/api/bank-file.routes';
import { reconciliationRoutes } from '../../src/api/reconciliation.routes';
import { payoutRouteRoutes } from '../../src/api/payout-route.routes';
import { ApiKeyRegistry } from '../../src/infra/auth/api-key-registry';
import { WsTokens } from '../../src/infra/auth/ws-token';
import { createLogger } from '../../src/shared/logger';

/**
 * The API with every route group the API process mounts (api.component.ts), on stubs: declaring a
 * route touches none of its dependencies, so the whole OpenAPI document is built without a
 * database or Temporal. test/api-edge.itest.ts checks it lists what the running API serves.
 */
export function fullApi(publicUrl: string) {
  const unused = {} as never;
  return createApi({
    commands: unused,
    reads: unused,
    timeline: unused,
    orphans: { executions: unused, store: unused },
    partners: unused,
    useCases: unused,
    commissions: unused,
    logger: createLogger({ level: 'silent', pretty: false }),
    apiKeys: new ApiKeyRegistry([]),
    wsTokens: new WsTokens('x'.repeat(32)),
    probes: [],
    temporalUiUrl: '',
    namespace: 'default',
    publicUrl,
    corsOrigins: [],
    rateLimitPerMinute: 600,
    bodyLimit: '1mb',
    metrics: { registry: { contentType: 'text/plain', metrics: async () => '' }, observeHttp: () => {} },
    audit: unused,
    extraRoutes: [
      (routes) =>
        codecRoutes(routes, { codec: unused, uiToken: 'unused', failures: inMemoryAuthFailureThrottle(20) }),
      (routes) => settlementRoutes(routes, unused),
      (routes) => notificationRoutes(routes, unused),
      (routes) => taxProfileRoutes(routes, unused),
      (routes) => bankFileRoutes(routes, unused),
      (routes) => reconciliationRoutes(routes, unused),
      (routes) => payoutRouteRoutes(routes, { routes: [] }),
    ],
  });
}

/** `method path` of every operation a document declares. */
export const documentedOperations = (doc: object): string[] =>
  Object.entries((doc as { paths: Record<string, object> }).paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((method) => `${method} ${path}`),
  );
