import type { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { buildPain002, type RejectReason } from './pain002.builder';
import { MalformedFileError, ibanChecksumOk, readPain001, type ReceivedTransfer } from './pain001.reader';
import type { Pain001SchemaValidator } from './pain001-schema.validator';
import { SandboxBankFilesStore, type FileChannel } from './sandbox-bank-files.store';
import type { StatementDesk } from './statement.desk';

/**
 * The bank's file desk: takes a pain.001 in (over HTTP or from the inbox folder, the same way),
 * refuses it whole when it is malformed, books each accepted transfer once and files a pain.002
 * status report for it. Faults make it misbehave the way a bank's file channel does.
 */

export interface FileFaults {
  /** The next N transfers (across files) are rejected with `rejectReason`. */
  rejectNext: number;
  rejectReason: RejectReason;
  /** The next N files are answered "received" and then forgotten: nothing booked, no report. */
  loseNextFile: number;
  /** Each report is listed (or written out) only this long after its file was processed. */
  lateReportMs: number;
  /** The next N reports are filed twice (two reports, one MsgId). */
  duplicateNextReport: number;
}

export interface FileFaultSwitch {
  get(): FileFaults;
  /** Uses up one of a counted fault; false when it is at 0. */
  take(name: 'rejectNext' | 'loseNextFile' | 'duplicateNextReport'): boolean;
}

export type FileOutcome =
  | { kind: 'accepted'; fileId: string; msgId: string }
  | { kind: 'duplicate'; fileId: string; msgId: string }
  | { kind: 'refused'; reason: string };

export interface FileDeskLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface BankFileDeskDeps {
  db: Knex;
  validator: Pain001SchemaValidator;
  faults: FileFaultSwitch;
  /** Accounts (IBAN or other id, any spacing) the bank knows as closed: AC04. */
  closedAccounts?: readonly string[];
  logger: FileDeskLogger;
  /** Books what a file paid on the debtor's account (statements, notices); absent: the ledger only. */
  statements?: StatementDesk;
}

export interface BankFileDesk {
  readonly store: SandboxBankFilesStore;
  receive(xml: string, channel: FileChannel): Promise<FileOutcome>;
}

/** Same magic as the JSON payouts: an account ending in 0000 is closed. */
const CLOSED_ACCOUNT_SUFFIX = '0000';

export function createBankFileDesk(deps: BankFileDeskDeps): BankFileDesk {
  const store = new SandboxBankFilesStore(deps.db);
  const closed = new Set((deps.closedAccounts ?? []).map(normaliseAccount));
  const { logger, faults } = deps;

  /** The bank's verdict on one transfer before booking: a reason to reject it, or none. */
  function refusal(t: ReceivedTransfer): RejectReason | undefined {
    if (t.isIban && !ibanChecksumOk(t.account)) return 'AC01';
    if (closed.has(normaliseAccount(t.account)) || t.account.endsWith(CLOSED_ACCOUNT_SUFFIX)) return 'AC04';
    if (faults.take('rejectNext')) return faults.get().rejectReason;
    return undefined;
  }

  async function process(
    trx: Knex.Transaction,
    xml: string,
    transfers: ReceivedTransfer[],
    msgId: string,
    channel: FileChannel,
  ) {
    const reject: Record<string, RejectReason> = {};
    let booked = 0;
    const fresh: ReceivedTransfer[] = [];
    for (const t of transfers) {
      const reason = refusal(t);
      if (reason) {
        reject[t.endToEndId] = reason;
        continue;
      }
      const isNew = await store.book(trx, {
        endToEndId: t.endToEndId,
        amountMinor: t.amountMinor,
        currency: t.currency,
        account: `****${t.account.slice(-4)}`,
        debtorAccount: t.debtorAccount,
        bookingDate: t.requestedExecutionDate,
        fileMsgId: msgId,
        paymentInformationId: t.paymentInformationId,
      });
      // Booked already (another file named it): never paid twice, reported as a duplicate.
      if (isNew) {
        booked += 1;
        fresh.push(t);
      } else reject[t.endToEndId] = 'AM05';
    }
    const onAccounts =
      deps.statements && fresh.length > 0
        ? await deps.statements.bookFile(trx, { msgId, channel, transfers: fresh })
        : undefined;
    const report = buildPain002({ pain001: xml, createdAt: new Date(), reject });
    const { lateReportMs } = faults.get();
    const copies = faults.take('duplicateNextReport') ? 2 : 1;
    const ids = await store.addReport(
      trx,
      { fileMsgId: msgId, messageId: report.messageId, channel, xml: report.xml },
      lateReportMs,
      copies,
    );
    return {
      booked,
      rejected: Object.keys(reject).length,
      groupStatus: report.groupStatus,
      reportIds: ids,
      lateReportMs,
      ...(onAccounts ? { onAccounts } : {}),
    };
  }

  return {
    store,
    async receive(xml, channel) {
      const verdict = await deps.validator.check(xml);
      if (!verdict.valid) return { kind: 'refused', reason: verdict.reason };
      let file;
      try {
        file = readPain001(xml);
      } catch (err) {
        if (err instanceof MalformedFileError) return { kind: 'refused', reason: err.message };
        throw err;
      }
      if (faults.take('loseNextFile')) {
        const fileId = randomUUID();
        logger.warn({ msgId: file.msgId, fileId, channel }, 'injected fault: file lost after receipt');
        return { kind: 'accepted', fileId, msgId: file.msgId };
      }
      const outcome = await store.receive(file.msgId, channel, file.transfers.length, (trx) =>
        process(trx, xml, file.transfers, file.msgId, channel),
      );
      if (outcome.kind === 'duplicate') {
        logger.warn(
          { msgId: file.msgId, fileId: outcome.file.id, channel },
          'file refused: MsgId seen before',
        );
        return { kind: 'duplicate', fileId: outcome.file.id, msgId: file.msgId };
      }
      logger.info(
        { msgId: file.msgId, fileId: outcome.file.id, channel, ...outcome.result },
        'file processed',
      );
      return { kind: 'accepted', fileId: outcome.file.id, msgId: file.msgId };
    },
  };
}

const normaliseAccount = (account: string): string => account.replace(/\s+/g, '').toUpperCase();
