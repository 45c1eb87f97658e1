import { resolve } from 'node:path';
import { WsTokens } from '../../infra/auth/ws-token';
import { KnexEventLogReader } from '../../infra/db/event-log';
import { InProcessNotifier, PgListenNotifier } from '../../infra/db/event-notifier';
import { createUiServer } from '../../ui/server/create-ui-server';
import { createEventStream, type StreamGrant } from '../../ui/server/stream/event-stream.server';
import type { SystemContext } from './system-context';

/** Built by `make start` / `make test` (scripts/build-dashboard.ts). */
const DASHBOARD_DIR = resolve(__dirname, '../../../dist/dashboard');

/**
 * The stream's `authenticate`: a valid websocket token's principal and its expiry. `WsTokens.verify`
 * checks the signature and the expiry; the expiry itself is read from the (then trusted) payload.
 */
export function streamAuthenticator(tokens: WsTokens): (token: string | null) => StreamGrant | undefined {
  return (token) => {
    const principal = tokens.verify(token);
    if (!principal || !token) return undefined;
    try {
      const { exp } = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as {
        exp?: unknown;
      };
      return typeof exp === 'number' && Number.isFinite(exp) ? { principal, expiresAt: exp } : undefined;
    } catch {
      return undefined;
    }
  };
}

/** The live dashboard and its event stream; resolves with the URL it listens on. */
export async function startUiComponent(ctx: SystemContext): Promise<string> {
  const { config, secrets } = ctx;
  const log = ctx.logger.child({ component: 'ui' });
  // PostgreSQL: any number of UI servers wake on LISTEN/NOTIFY. PGlite: this process's commits.
  const notifier =
    config.database.kind === 'postgres'
      ? new PgListenNotifier({ connection: config.database.url, logger: log })
      : new InProcessNotifier(ctx.commitSources, log);
  await notifier.start();
  ctx.onStop(() => notifier.stop());
  const wsTokens = new WsTokens(secrets.wsTokenSecret, config.security.wsTokenTtlMs);
  const ui = createUiServer({
    staticDir: DASHBOARD_DIR,
    publicConfig: {
      apiUrl: config.api.publicUrl,
      temporalUiUrl: config.temporal.uiUrl,
      namespace: config.temporal.namespace,
    },
    stream: createEventStream({
      events: new KnexEventLogReader(ctx.db),
      notifier,
      authenticate: streamAuthenticator(wsTokens),
      // The pages allowed to call the API are the ones allowed to open the stream.
      allowedOrigins: config.security.corsOrigins,
      maxConnectionsPerPrincipal: config.ui.ws.maxConnectionsPerPrincipal,
      maxConnectionsPerIp: config.ui.ws.maxConnectionsPerIp,
      messagesPerMinute: config.ui.ws.messagesPerMinute,
      logger: log,
    }),
  });
  const url = await ui.start(config.ui.port, config.ui.host);
  ctx.onStop(() => ui.stop());
  log.info({ url }, 'live UI listening');
  return url;
}
