import { mkdirSync } from 'node:fs';
import { resolveSecrets } from '../infra/auth/local-secrets';
import { loadConfig } from '../infra/config';
import { createLogger } from '../shared/logger';
import { onShutdownSignal, runMain } from '../shared/process-lifecycle';
import { devServerOptions } from './wiring/dev-server-launch';
import { startSystem, type Component, type RunningSystem } from './wiring/system';
import { ensureTemporalCli, startDevServer, type DevServer } from '../infra/temporal/dev-server';

/**
 * All-in-one launcher (`make start`): a Temporal dev server as a child process (unless
 * TEMPORAL_ADDRESS points at one), then worker, API and live UI in this process over one database
 * handle — PGlite under ./data by default, PostgreSQL when DATABASE_URL is set.
 */
runMain(async () => {
  const config = loadConfig();
  const logger = createLogger({ ...config.log, name: 'launcher' });
  mkdirSync(config.dataDir, { recursive: true });

  let devServer: DevServer | undefined;
  let temporalAddress = config.temporal.address;
  if (!temporalAddress) {
    const cli = ensureTemporalCli(config.temporal.cli);
    const log = logger.child({ component: 'temporal' });
    log.info({ cli }, 'starting the Temporal dev server');
    // The Web UI decrypts payloads through our codec endpoint (a decode-only link token, not an API
    // key), handed over in a 0600 file rather than on the command line.
    devServer = await startDevServer(
      devServerOptions(config, {
        cliPath: cli,
        codecUiToken: resolveSecrets(config).codecUiToken,
        onLog: (line) => log.info(line),
      }),
    );
    temporalAddress = devServer.address;
  }

  // eslint-disable-next-line prefer-const -- assigned after the signal handler that closes over it
  let system: RunningSystem | undefined;
  const stopAll = async (): Promise<void> => {
    await system?.stop();
    await devServer?.stop();
  };
  onShutdownSignal(logger, stopAll);
  // The sandbox bank runs in-process unless SANDBOX_BANK_URL points at one.
  const components: Component[] = config.sandboxBank.url
    ? ['notifications', 'worker', 'api', 'ui']
    : ['bank', 'notifications', 'worker', 'api', 'ui'];
  system = await startSystem(config, logger, { components, temporalAddress }).catch(async (e: unknown) => {
    await stopAll();
    throw e;
  });

  const db =
    config.database.kind === 'postgres' ? redactUrl(config.database.url) : `PGlite at ${config.database.dir}`;
  const banner = [
    '',
    '  Alpes Partners payments is up',
    `  API              ${config.api.publicUrl}   (/partners, /payments, /pagos, /healthz)`,
    `  Live dashboard   http://localhost:${config.ui.port}   (stream: ws://localhost:${config.ui.port}/ws)`,
    `  Temporal Web UI  ${devServer ? config.temporal.uiUrl : `(external server ${temporalAddress})`}`,
    `  Temporal         ${temporalAddress} namespace=${config.temporal.namespace} queue=${config.temporal.taskQueue}`,
    `  Database         ${db}`,
    `  Sandbox bank     ${config.sandboxBank.url ?? system.bankUrl} (payout provider; ledger at /ledger)`,
    `  Email            ${system.emailTransport ?? '(notifications run elsewhere)'}`,
    ...(system.secrets.localKeys
      ? [
          `  API keys         admin     ${system.secrets.localKeys.admin}`,
          `                   approver  ${system.secrets.localKeys.approver}   (a second operator, for four-eyes)`,
          `                   (stored in ${config.dataDir}/secrets.json; set ALPES_API_KEYS to use your own)`,
          `  Dashboard link   http://localhost:${config.ui.port}/#key=${system.secrets.localKeys.admin}`,
        ]
      : ['  API keys         from ALPES_API_KEYS']),
    `  API docs         ${config.api.publicUrl}/docs  (OpenAPI: /openapi.json)`,
    '  Ctrl-C stops everything.',
    '',
  ].join('\n');
  process.stdout.write(`${banner}\n`);
});

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '****';
    return u.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
