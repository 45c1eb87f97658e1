import { resolve } from 'node:path';
import { WsTokens } from '../../infra/auth/ws-token';
import { KnexEventLogReader } from '../../infra/db/event-log';
import { InProcessNotifier, PgListenNotifier } from '../../infra/db/event-notifier';
import { createUiServer } from '../../ui/create-ui-server';
import { createEventStream } from '../../ui/stream/event-stream.server';
import type { SystemContext } from './system-context';

/** Built by `make start` / `make test` (scripts/build-dashboard.ts). */
const DASHBOARD_DIR = resolve(__dirname, '../../../dist/dashboard');

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
      authenticate: (t) => wsTokens.verify(t),
      logger: log,
    }),
  });
  const url = await ui.start(config.ui.port, config.ui.host);
  ctx.onStop(() => ui.stop());
  log.info({ url }, 'live UI listening');
  return url;
}
