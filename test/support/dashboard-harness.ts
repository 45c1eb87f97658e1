import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDashboard } from '../../scripts/build-dashboard';
import { WsTokens } from '../../src/infra/auth/ws-token';
import { KnexEventLogReader } from '../../src/infra/db/event-log';
import { PgListenNotifier } from '../../src/infra/db/event-notifier';
import { createUiServer, type UiServer } from '../../src/ui/server/create-ui-server';
import { createEventStream } from '../../src/ui/server/stream/event-stream.server';
import { streamAuthenticator } from '../../src/processes/wiring/ui.component';
import type { Component } from '../../src/processes/wiring/system';
import { freePort } from './free-port';
import { startTestSystem, type TestSystem } from './system';

/**
 * The operator dashboard against the real system: worker, API and sandbox bank from
 * `startTestSystem`, the dashboard built into a temp folder, and a UI server (static files,
 * `/config.json`, `/ws` stream) on a port fixed up front — the API's CORS allow-list must name the
 * page's origin before the API starts, and a restarted UI server must come back on the same origin.
 */
export interface DashboardHarness {
  sys: TestSystem;
  /** `http://127.0.0.1:<port>`: the page's origin. */
  uiUrl: string;
  staticDir: string;
  /** Stops the UI server: the stream says goodbye (1001) and the page is left without a socket. */
  stopUi(): Promise<void>;
  /** Starts a fresh UI server (and stream) on the same port. */
  startUi(): Promise<void>;
  stop(): Promise<void>;
}

export async function startDashboardHarness(
  env: Record<string, string> = {},
  /** Webhook and redelivery tests add the notifications worker. */
  components: Component[] = ['bank', 'worker', 'api'],
): Promise<DashboardHarness> {
  const port = await freePort();
  const uiUrl = `http://127.0.0.1:${port}`;
  const sys = await startTestSystem(
    { CORS_ORIGINS: `${uiUrl},http://localhost:${port}`, ...env },
    components,
  );
  const cleanups: Array<() => Promise<unknown>> = [() => sys.stop()];
  const stop = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const staticDir = await buildDashboard(await mkdtemp(join(tmpdir(), 'alpes-dashboard-')));
    cleanups.push(() => rm(staticDir, { recursive: true, force: true }));

    if (sys.config.database.kind !== 'postgres') throw new Error('the dashboard harness needs PostgreSQL');
    const notifier = new PgListenNotifier({ connection: sys.config.database.url });
    await notifier.start();
    cleanups.push(() => notifier.stop());
    // The same secret as the API's `/auth/ws-token`, so the tokens it issues open the stream.
    const tokens = new WsTokens(sys.secrets.wsTokenSecret);
    const publicConfig = { apiUrl: sys.apiUrl, temporalUiUrl: 'http://localhost:8233', namespace: 'default' };

    let ui: UiServer | undefined;
    const stopUi = async () => {
      const current = ui;
      ui = undefined;
      await current?.stop();
    };
    const startUi = async () => {
      if (ui) return;
      // A closed stream cannot be re-attached, so every start gets a new one.
      const stream = createEventStream({
        events: new KnexEventLogReader(sys.db),
        notifier,
        authenticate: streamAuthenticator(tokens),
        // As in production: the pages the API admits (CORS_ORIGINS) may open the stream.
        allowedOrigins: sys.config.security.corsOrigins,
        maxConnectionsPerPrincipal: sys.config.ui.ws.maxConnectionsPerPrincipal,
        maxConnectionsPerIp: sys.config.ui.ws.maxConnectionsPerIp,
        messagesPerMinute: sys.config.ui.ws.messagesPerMinute,
        pollIntervalMs: 500,
      });
      const server = createUiServer({ staticDir, publicConfig, stream });
      await server.start(port, '127.0.0.1');
      ui = server;
    };
    cleanups.push(stopUi);
    await startUi();
    return { sys, uiUrl, staticDir, stopUi, startUi, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
