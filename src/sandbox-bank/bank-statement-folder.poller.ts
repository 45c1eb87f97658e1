import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StatementDesk, StatementDeskLogger } from './statement.desk';

/**
 * Statements and notices over folders, apart from the pain.002 outbox (whose reader takes every
 * `*.xml` there for a status report): camt.054 notices of files that came through the inbox, and the
 * camt.053 statement of every account for each day that is over — again when a late entry (a late
 * return) changes a day already written. Each file is written to a temporary name and renamed,
 * named so their order is the order written: `<stamp>-camt054-<id>.xml`,
 * `<stamp>-camt053-<date>-<MsgId>.xml`.
 */

export interface BankStatementFolderOptions {
  desk: StatementDesk;
  outbox: string;
  pollMs: number;
  logger: StatementDeskLogger & { error(obj: object, msg: string): void };
}

export interface BankStatementFolder {
  /** One pass: writes the available notices, then the statements of closed days not yet written. */
  pollOnce(): Promise<void>;
  stop(): Promise<void>;
}

export async function startBankStatementFolder(
  opts: BankStatementFolderOptions,
): Promise<BankStatementFolder> {
  const { desk, outbox, logger } = opts;
  await mkdir(outbox, { recursive: true });
  let lastStamp = 0;
  const stamp = (): string => {
    lastStamp = Math.max(Date.now(), lastStamp + 1);
    return String(lastStamp).padStart(15, '0');
  };
  const put = async (name: string, xml: string): Promise<void> => {
    const tmp = join(outbox, `.${name}.tmp`);
    await writeFile(tmp, xml);
    await rename(tmp, join(outbox, name));
  };

  async function pass(): Promise<void> {
    for (const n of await desk.store.unexportedNotifications('folder', 100)) {
      await put(`${stamp()}-camt054-${n.id}.xml`, n.xml);
      await desk.store.markNotificationExported(n.id);
    }
    const startedAt = new Date();
    for (const day of await desk.store.unexportedDays(desk.today(), startedAt, 100)) {
      const outcome = await desk.statement(day.account, day.date);
      if (outcome.kind !== 'statement') continue;
      await put(`${stamp()}-camt053-${day.date}-${outcome.messageId}.xml`, outcome.xml);
      // As of the pass's start: an entry that became visible since is written on the next pass.
      await desk.store.markDayExported(day.account, day.date, startedAt);
      logger.info({ date: day.date, messageId: outcome.messageId }, 'statement written');
    }
  }

  let running: Promise<void> = Promise.resolve();
  const pollOnce = (): Promise<void> => {
    running = running.catch(() => undefined).then(pass);
    return running;
  };
  const timer = setInterval(() => {
    pollOnce().catch((err: unknown) => logger.error({ err }, 'statement folder pass failed'));
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
