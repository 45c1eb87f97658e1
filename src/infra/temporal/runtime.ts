import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../logger';

let installed = false;

/**
 * Installs the SDK runtime once per process: its logs go through our logger, and it does not
 * trap SIGINT/SIGTERM itself, because our shutdown sequence stops the worker in order.
 */
export function installTemporalRuntime(logger: Logger): void {
  if (installed) return;
  installed = true;
  const log = logger.child({ component: 'temporal-sdk' });
  const level: LogLevel = logger.isLevelEnabled('debug') ? 'DEBUG' : 'WARN';
  Runtime.install({
    shutdownSignals: [],
    logger: new DefaultLogger(level, (entry) => {
      const { message, meta } = entry;
      const fn = entry.level === 'ERROR' ? log.error : entry.level === 'WARN' ? log.warn : log.debug;
      fn.call(log, meta ?? {}, message);
    }),
  });
}
