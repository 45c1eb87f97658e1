import type { PaymentMaximum } from '../domain/payout-maximums.value-object';
import express from 'express';
import helmet from 'helmet';
import type { Server } from 'node:http';
import { pinoHttp } from 'pino-http';
import swaggerUi from 'swagger-ui-express';
import type { ApiKeyAuthenticator, StreamTokenIssuer } from '../ports/credentials.port';
import type { Logger } from '../shared/logger';
import type { CommissionUseCases } from '../application/commission/commission-use-cases';
import type { PartnerUseCases } from '../application/partner/partner-use-cases';
import type { AuditLog } from '../ports/audit.port';
import type { PaymentCommands, PaymentReads } from '../ports/payment.port';
import type { PaymentTimelineReader } from '../ports/payment-timeline.port';
import { auditRoutes, auditTrail } from './audit';
import { ProblemError } from '../shared/http/problem';
import { listen, loopbackUrl } from '../shared/http/listen.util';
import { inMemoryAuthFailureThrottle, requestLimiter, type AuthFailureThrottle } from './auth-throttle';
import { commissionRoutes, type CommissionRoutesDeps } from './commission.routes';
import { errorMiddleware } from './error-middleware';
import { openApiDocument } from './openapi';
import { pagoRoutes } from './pago.routes';
import { partnerRoutes, type PartnerDirectory, type PartnerRoutesDeps } from './partner.routes';
import { paymentRoutes } from './payment.routes';
import { paymentOrphanRoutes } from './payment-orphan.routes';
import type { PaymentExecutions } from '../ports/payment-executions.port';
import type { PaymentOrphanStore } from '../ports/payment-orphan.port';
import { paymentTimelineRoutes } from './payment-timeline.routes';
import { RouteTable } from './route-kit';
import {
  authenticate,
  cors,
  methodNotAllowed,
  rateLimit,
  requestId,
  requireSupportedBody,
} from './security.middleware';
import { systemRoutes, type ReadinessProbe } from './system.routes';
import { traceRequests } from './tracing.middleware';
import { redactUrl } from './url-redaction';

export interface ApiDeps {
  commands: PaymentCommands;
  reads: PaymentReads;
  /** Orphaned payments: Temporal's view of payment workflows and the janitor's findings. */
  orphans?: { executions: PaymentExecutions; store: PaymentOrphanStore };
  /** The payment's workflow history in plain language (`GET /payments/:id/timeline`); absent in tests that do not need it. */
  timeline?: PaymentTimelineReader;
  partners: PartnerDirectory;
  /** Payability of a page of partners in one batch (`GET /partners?include=payability`). */
  partnerPayability?: PartnerRoutesDeps['payabilityOf'];
  /**
   * The use cases that change what the API owns (partners, commissions), bound to their ports in
   * the composition root: the edge never opens a transaction itself.
   */
  useCases: { partners: PartnerUseCases; commissions: CommissionUseCases };
  /** The commission ledger's reads and settings; `partners` is shared. */
  commissions: Omit<CommissionRoutesDeps, 'partners' | 'useCases'>;
  logger: Logger;
  apiKeys: ApiKeyAuthenticator;
  wsTokens: StreamTokenIssuer;
  probes: ReadinessProbe[];
  temporalUiUrl: string;
  namespace: string;
  publicUrl: string;
  corsOrigins: readonly string[];
  rateLimitPerMinute: number;
  /**
   * Counts failed authentications per client address (shared across replicas on PostgreSQL: see
   * AuthFailureThrottle); by default this process's memory, 20 per minute.
   */
  authFailures?: AuthFailureThrottle;
  bodyLimit: string;
  /** The largest payment: one number, or per currency (PAYOUT_MAXIMUMS). */
  maxAmountMinor?: PaymentMaximum;
  /** `POST /payments` without an Idempotency-Key is refused (400) unless false; default true. */
  idempotencyKeyRequired?: boolean;
  metrics?: ApiMetrics;
  /**
   * The audit log: every state-changing call is appended to it and `GET /audit` reads it. Without
   * it (tests of single route groups) nothing is audited.
   */
  audit?: AuditLog;
  /** Extra route groups (notifications, codec, metrics) declared on the same table. */
  extraRoutes?: Array<(routes: RouteTable) => void>;
  /**
   * Providers' webhooks (Stripe's): authenticated by their own signature over the raw body, so they
   * are mounted before API-key authentication and the JSON body parser.
   */
  webhooks?: Array<{ path: string; handlers: express.RequestHandler[] }>;
}

/** What the API reports to Prometheus; implemented in infra/observability. */
export interface ApiMetrics {
  registry: { contentType: string; metrics(): Promise<string> };
  observeHttp(labels: { method: string; route: string; status: number }, seconds: number): void;
}

export interface Api {
  app: express.Express;
  routes: RouteTable;
  openApi: () => object;
  start(port: number, host?: string): Promise<string>;
  stop(): Promise<void>;
}

export function createApi(deps: ApiDeps): Api {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('trust proxy', 'loopback');

  const routes = new RouteTable();
  const authFailures = deps.authFailures ?? inMemoryAuthFailureThrottle(20);
  systemRoutes(routes, { wsTokens: deps.wsTokens, probes: deps.probes });
  partnerRoutes(routes, {
    partners: deps.partners,
    useCases: deps.useCases.partners,
    payabilityOf: deps.partnerPayability,
  });
  const paymentDeps = {
    commands: deps.commands,
    partners: deps.partners,
    maxAmountMinor: deps.maxAmountMinor,
    reads: deps.reads,
    temporalUiUrl: deps.temporalUiUrl,
    namespace: deps.namespace,
    idempotencyKeyRequired: deps.idempotencyKeyRequired ?? true,
  };
  if (deps.orphans) {
    paymentOrphanRoutes(routes, {
      reads: deps.reads,
      commands: deps.commands,
      executions: deps.orphans.executions,
      orphans: deps.orphans.store,
    });
  }
  paymentRoutes(routes, paymentDeps);
  if (deps.timeline) paymentTimelineRoutes(routes, { ...paymentDeps, timeline: deps.timeline });
  pagoRoutes(routes, paymentDeps);
  commissionRoutes(routes, {
    ...deps.commissions,
    partners: deps.partners,
    useCases: deps.useCases.commissions,
  });
  for (const add of deps.extraRoutes ?? []) add(routes);
  if (deps.audit) auditRoutes(routes, { log: deps.audit });
  if (deps.metrics) {
    const { registry } = deps.metrics;
    routes.add({
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics',
      tag: 'System',
      roles: ['operator', 'viewer'],
      responses: { 200: { description: 'Prometheus text exposition format' } },
      handler: async ({ res }) => void res.type(registry.contentType).send(await registry.metrics()),
    });
  }

  let document: object | undefined;
  const openApi = (): object => (document ??= openApiDocument(routes, deps.publicUrl));

  app.use(requestId);
  // Listens for each answer: entries carry the status the caller saw, refusals included.
  if (deps.audit) app.use(auditTrail(deps.audit, deps.logger));
  app.use(traceRequests);
  if (deps.metrics) {
    const metrics = deps.metrics;
    app.use((req, res, next) => {
      const started = process.hrtime.bigint();
      res.on('finish', () => {
        const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
        metrics.observeHttp(
          { method: req.method, route, status: res.statusCode },
          Number(process.hrtime.bigint() - started) / 1e9,
        );
      });
      next();
    });
  }
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (_req, res) => (res as express.Response).locals.requestId as string,
      autoLogging: {
        ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics',
      },
      customProps: (_req, res) => ({ principal: (res as express.Response).locals.principal?.name }),
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, url: redactUrl(req.url) }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use(helmet({ contentSecurityPolicy: false, crossOriginResourcePolicy: { policy: 'cross-origin' } }));
  app.use(cors(deps.corsOrigins));
  app.get('/openapi.json', (_req, res) => void res.json(openApi()));
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(undefined, { swaggerOptions: { url: '/openapi.json' } }));
  for (const hook of deps.webhooks ?? []) app.post(hook.path, ...hook.handlers);
  app.use(authenticate(deps.apiKeys, authFailures));
  app.use(rateLimit(requestLimiter(deps.rateLimitPerMinute)));
  app.use(requireSupportedBody((method, path) => routes.bodyRule(method, path)?.rawMediaTypes));
  app.use(jsonBodies(routes, deps.bodyLimit));
  app.use(routes.router);
  app.use(methodNotAllowed(() => [...routes.routes(), { method: 'get', path: '/openapi.json' }]));
  app.use((req, _res, next) =>
    next(new ProblemError(404, 'Not found', `no route for ${req.method} ${redactUrl(req.path)}`)),
  );
  app.use(errorMiddleware(deps.logger));

  let server: Server | undefined;
  return {
    app,
    routes,
    openApi,
    start: async (port, host = '127.0.0.1') => {
      server = await listen(app, port, host);
      return loopbackUrl(server);
    },
    stop: () =>
      new Promise((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

/** express.json with the API-wide limit, or the route's own where it declares one (batches). */
function jsonBodies(routes: RouteTable, defaultLimit: string): express.RequestHandler {
  const parsers = new Map<string, express.RequestHandler>();
  return (req, res, next) => {
    const limit = routes.bodyRule(req.method, req.path)?.bodyLimit ?? defaultLimit;
    let parser = parsers.get(limit);
    if (!parser) {
      parser = express.json({ limit, strict: true });
      parsers.set(limit, parser);
    }
    parser(req, res, next);
  };
}
