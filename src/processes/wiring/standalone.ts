import { loadConfig } from '../../infra/config';
import { createLogger } from '../../shared/logger';
import { onShutdownSignal, runMain } from '../../shared/process-lifecycle';
import { assertSecretsGiven } from './component-secrets';
import { startSystem, type Component } from './system';

/** Runs one component as its own process (split mode: scale each on its own; needs a shared PostgreSQL). */
export function runStandalone(component: Component): void {
  runMain(async () => {
    const config = loadConfig();
    const logger = createLogger({ ...config.log, name: component });
    if (config.database.kind !== 'postgres' || !config.temporal.address) {
      throw new Error(
        `a standalone ${component} needs DATABASE_URL and TEMPORAL_ADDRESS (PGlite serves one process only); ` +
          'to run everything in one process use `make start`',
      );
    }
    assertSecretsGiven(config, [component]);
    const system = await startSystem(config, logger, {
      components: [component],
      temporalAddress: config.temporal.address,
    });
    onShutdownSignal(logger, () => system.stop());
  });
}
