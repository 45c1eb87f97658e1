import { createLogger } from '../shared/logger';
import { onShutdownSignal, runMain } from '../shared/process-lifecycle';
import { loadSandboxBankConfig } from './sandbox-bank.config';
import { runSandboxBank } from './sandbox-bank.service';

/** Entry point of the sandbox bank, a payout provider of our own for development and tests. */
runMain(async () => {
  const config = loadSandboxBankConfig();
  const logger = createLogger({ ...config.log, name: 'sandbox-bank' });
  const running = await runSandboxBank({ ...config, logger });
  onShutdownSignal(logger, () => running.stop());
});
