import type { Logger } from './logger';

/**
 * Runs `stop` once on SIGINT/SIGTERM and exits when it finishes. A second signal, or a stop that
 * takes longer than the grace period, exits at once so Ctrl-C never hangs.
 */
export function onShutdownSignal(logger: Logger, stop: () => Promise<void>, graceMs = 15_000): void {
  let stoppingSince: number | undefined;
  const handler = (signal: NodeJS.Signals): void => {
    // A terminal's Ctrl-C reaches every process of the group, and wrappers relay it again: only a
    // signal well after the first one means "stop waiting".
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < 2_000) return;
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    stoppingSince = Date.now();
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('shutdown took too long: exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    stop().then(
      () => process.exit(process.exitCode ?? 0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** Entry points call this so a start-up failure prints one clear line instead of a stack dump. */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(`fatal: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
