import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../infra/logger';
import type { PaymentCommands, PaymentReads } from './api.ports';
import { errorMiddleware, notFoundHandler } from './error-middleware';
import { pagoRoutes } from './pago.routes';
import { partnerRoutes, type PartnerDirectory } from './partner.routes';
import { paymentRoutes } from './payment.routes';

export interface ApiDeps {
  commands: PaymentCommands;
  reads: PaymentReads;
  partners: PartnerDirectory;
  logger: Logger;
  temporalUiUrl: string;
  namespace: string;
  maxAmountMinor?: number;
  newId?: () => string;
}

export interface Api {
  app: express.Express;
  start(port: number, host?: string): Promise<string>;
  stop(): Promise<void>;
}

export function createApi(deps: ApiDeps): Api {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(express.json({ limit: '256kb' }));

  app.get(['/healthz', '/health'], (_req, res) => void res.json({ status: 'up' }));
  app.use(
    partnerRoutes({ partners: deps.partners, newId: deps.newId ?? (() => globalThis.crypto.randomUUID()) }),
  );
  const intake = { commands: deps.commands, partners: deps.partners, maxAmountMinor: deps.maxAmountMinor };
  app.use(
    paymentRoutes({
      ...intake,
      reads: deps.reads,
      temporalUiUrl: deps.temporalUiUrl,
      namespace: deps.namespace,
    }),
  );
  app.use(pagoRoutes({ ...intake, reads: deps.reads }));
  app.use(notFoundHandler);
  app.use(errorMiddleware(deps.logger));

  let server: Server | undefined;
  return {
    app,
    start: (port, host = '0.0.0.0') =>
      new Promise((resolve, reject) => {
        const s = app.listen(port, host);
        s.once('listening', () => {
          server = s;
          resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`);
        });
        s.once('error', reject);
      }),
    stop: () =>
      new Promise((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
