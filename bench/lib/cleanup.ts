/**
 * Everything the benchmark starts registers how to undo it here; `run()` undoes it in reverse
 * order, once, whether the run finished, failed or was interrupted (SIGINT/SIGTERM/SIGHUP).
 */
export class Cleanup {
  private readonly steps: Array<{ what: string; undo: () => Promise<unknown> }> = [];
  private running: Promise<void> | undefined;

  add(what: string, undo: () => Promise<unknown>): () => Promise<void> {
    const step = { what, undo };
    this.steps.push(step);
    // Lets the owner undo it early (e.g. stop a phase's processes) without undoing it twice.
    return async () => {
      const i = this.steps.indexOf(step);
      if (i < 0) return;
      this.steps.splice(i, 1);
      await step.undo();
    };
  }

  run(log: (line: string) => void = () => undefined): Promise<void> {
    this.running ??= (async () => {
      while (this.steps.length) {
        const step = this.steps.pop()!;
        try {
          await step.undo();
        } catch (err) {
          log(`cleanup: ${step.what} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    })();
    return this.running;
  }

  /**
   * On a signal: clean up, then exit 130. A Ctrl-C reaches the whole foreground group and wrappers
   * (npm, tsx) relay it again as SIGINT/SIGTERM/SIGHUP within moments: those repeats are ignored so
   * the cleanup finishes. Only a signal more than 5 s after the first means "stop waiting".
   */
  installSignalHandlers(log: (line: string) => void): void {
    let interruptedAt: number | undefined;
    const handler = (signal: NodeJS.Signals): void => {
      if (interruptedAt !== undefined) {
        if (Date.now() - interruptedAt < 5_000) return;
        log(`${signal} again: exiting without finishing the cleanup`);
        process.exit(130);
      }
      interruptedAt = Date.now();
      log(`\n${signal}: stopping every process the benchmark started…`);
      const hard = setTimeout(() => process.exit(130), 30_000);
      hard.unref();
      void this.run(log).finally(() => process.exit(130));
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    process.on('SIGHUP', handler);
    // Work in flight when things are torn down (a client's retry timer on a closed channel…) can
    // throw from a timer: that must never cut the cleanup short. Outside a cleanup it is fatal.
    const crash = (what: string) => (err: unknown) => {
      const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
      if (interruptedAt !== undefined || this.running) {
        log(`(ignored during cleanup) ${what}: ${text.split('\n')[0]}`);
        return;
      }
      log(`${what}: ${text}`);
      interruptedAt = Date.now();
      void this.run(log).finally(() => process.exit(1));
    };
    process.on('uncaughtException', crash('uncaught exception'));
    process.on('unhandledRejection', crash('unhandled rejection'));
  }
}
