import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../../shared/logger';

let installed = false;

/**
 * Installs the SDK runtime once per process: its logs go through our logger, its metrics to
 * Prometheus, and it does not
 * trap SIGINT/SIGTERM itself, because our shutdown sequence stops the worker in order.
 */
export function installTemporalRuntime(logger: Logger, metricsPort = 0): void {
  if (installed) return;
  installed = true;
  const log = logger.child({ component: 'temporal-sdk' });
  const level: LogLevel = logger.isLevelEnabled('debug') ? 'DEBUG' : 'WARN';
  Runtime.install({
    shutdownSignals: [],
    // The worker's own SDK metrics (task latencies, slots, polls) on their own Prometheus port; 0 = off.
    ...(metricsPort > 0
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `0.0.0.0:${metricsPort}` } } } }
      : {}),
    logger: new DefaultLogger(level, (entry) => {
      const { message, meta } = entry;
      const fn = entry.level === 'ERROR' ? log.error : entry.level === 'WARN' ? log.warn : log.debug;
      fn.call(log, meta ?? {}, message);
    }),
  });
}
