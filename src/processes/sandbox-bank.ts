import { loadConfig } from '../infra/config';
import { createLogger } from '../infra/logger';
import { onShutdownSignal, runMain } from '../infra/process-lifecycle';
import { runSandboxBank } from '../infra/sandbox-bank/run-sandbox-bank';

/** Wiring point of the sandbox bank, a payout provider of our own for development and tests. */
runMain(async () => {
  const config = loadConfig();
  const logger = createLogger({ ...config.log, name: 'sandbox-bank' });
  const running = await runSandboxBank({
    databaseUrl: config.database.kind === 'postgres' ? config.database.url : undefined,
    dataDir: config.dataDir,
    port: config.sandboxBank.port,
    // Loopback by default: the admin endpoints change the bank's behaviour and have no authentication.
    host: config.sandboxBank.host,
    logger,
  });
  onShutdownSignal(logger, () => running.stop());
});
