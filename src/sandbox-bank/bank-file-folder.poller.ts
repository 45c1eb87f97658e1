import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BankFileDesk, FileDeskLogger } from './bank-file.desk';

/**
 * Host-to-host over folders: the bank takes every `*.xml` in its inbox (a sender writes a dot-named
 * temporary file and renames it, so a half-written file is never seen) through the same desk as
 * POST /files, then moves it to `processed/` or `refused/` (with a `.reason.txt`). Reports go to the
 * outbox, written to a temporary name and renamed, named so their order is the order written.
 */

export interface BankFileFolderOptions {
  desk: BankFileDesk;
  inbox: string;
  outbox: string;
  pollMs: number;
  logger: FileDeskLogger & { error(obj: object, msg: string): void };
}

export interface BankFileFolder {
  /** One pass: takes the inbox's files in, writes the available reports out. */
  pollOnce(): Promise<void>;
  stop(): Promise<void>;
}

export async function startBankFileFolder(opts: BankFileFolderOptions): Promise<BankFileFolder> {
  const { desk, inbox, outbox, logger } = opts;
  await Promise.all(
    [inbox, outbox, join(inbox, 'processed'), join(inbox, 'refused')].map((d) =>
      mkdir(d, { recursive: true }),
    ),
  );
  // Report names sort in the order written, across restarts (a clock that never goes back in one run).
  let lastStamp = 0;
  const stamp = (): string => {
    lastStamp = Math.max(Date.now(), lastStamp + 1);
    return String(lastStamp).padStart(15, '0');
  };

  async function takeInbox(): Promise<void> {
    const names = (await readdir(inbox, { withFileTypes: true }))
      .filter((e) => e.isFile() && e.name.endsWith('.xml') && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
    for (const name of names) {
      const path = join(inbox, name);
      const outcome = await desk.receive(await readFile(path, 'utf8'), 'folder');
      if (outcome.kind === 'accepted') {
        await rename(path, join(inbox, 'processed', name));
        continue;
      }
      const reason =
        outcome.kind === 'duplicate'
          ? `DUPLICATE_FILE: a file with MsgId ${outcome.msgId} was received before`
          : `MALFORMED_FILE: ${outcome.reason}`;
      // Written whole before it appears, like every file the bank hands over.
      const tmp = join(inbox, 'refused', `.${name}.reason.tmp`);
      await writeFile(tmp, `${reason}\n`);
      await rename(tmp, join(inbox, 'refused', `${name}.reason.txt`));
      await rename(path, join(inbox, 'refused', name));
      logger.warn({ file: name, reason }, 'inbox file refused');
    }
  }

  async function writeReports(): Promise<void> {
    for (const report of await desk.store.unexported('folder', 100)) {
      const name = `${stamp()}-${report.id}.xml`;
      const tmp = join(outbox, `.${name}.tmp`);
      await writeFile(tmp, report.xml);
      await rename(tmp, join(outbox, name));
      await desk.store.markExported(report.id);
    }
  }

  let running: Promise<void> = Promise.resolve();
  const pollOnce = (): Promise<void> => {
    // Passes never overlap: a file is never taken in by two of them.
    running = running
      .catch(() => undefined)
      .then(async () => {
        await takeInbox();
        await writeReports();
      });
    return running;
  };
  const timer = setInterval(() => {
    pollOnce().catch((err: unknown) => logger.error({ err }, 'bank file folder pass failed'));
  }, opts.pollMs);
  timer.unref();

  return {
    pollOnce,
    stop: async () => {
      clearInterval(timer);
      await running.catch(() => undefined);
    },
  };
}
