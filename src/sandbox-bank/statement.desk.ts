import type { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { buildCamt053, buildCamt054, type AccountEntry, type ReturnReason } from './camt.builder';
import type { FileChannel } from './sandbox-bank-files.store';
import { SandboxBankStatementsStore, type NewEntry } from './sandbox-bank-statements.store';
import type { ReceivedTransfer } from './pain001.reader';

/**
 * The bank's account desk: books the transfers a file paid on the debtor's account (one entry per
 * transfer, or one per batch), tells the customer at once (camt.054), returns transfers (a credit
 * with the original EndToEndId and a reason), and gives the end-of-day statement of a closed day
 * (camt.053). Faults make the statements disagree with what was ordered, the way reconciliation
 * has to catch: an entry missing, off by one minor unit, nobody ordered, booked twice, returned
 * (late), a closing balance that does not add up.
 */

export interface StatementFaults {
  /** How a PmtInf that does not say (no BtchBookg) is booked: one entry for the batch, or one per transfer. */
  batchBooking: boolean;
  /** The next N entries are left off the account (statements and notices): the money left, nobody says so. */
  omitNextEntry: number;
  /** The next N entries are written one minor unit more than was paid (a batch: its first transaction). */
  offByOneNextEntry: number;
  /** With each of the next N files, a debit nobody ordered is booked on the debtor's account. */
  unorderedNextEntry: number;
  /** The next N entries are booked twice. */
  duplicateNextEntry: number;
  /** The next N transfers booked are returned by the creditor's bank, with `returnReason`. */
  returnNext: number;
  returnReason: ReturnReason;
  /** A return is booked this many days after the transfer (0: the same day). */
  returnAfterDays: number;
  /** A return shows up (notice and statement) only this long after it was booked: a late return. */
  lateReturnMs: number;
  /** Added to the closing balance of every statement served while set: a balance break. */
  statementBalanceOffsetMinor: number;
}

export type CountedStatementFault =
  'omitNextEntry' | 'offByOneNextEntry' | 'unorderedNextEntry' | 'duplicateNextEntry' | 'returnNext';

export interface StatementFaultSwitch {
  get(): StatementFaults;
  take(name: CountedStatementFault): boolean;
}

export interface StatementDeskLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** The amount of a debit nobody ordered (12.34 in a two-digit currency): recognisable in tests. */
export const UNORDERED_ENTRY_MINOR = 1234n;

export type ReturnOutcome =
  | { kind: 'returned'; entry: AccountEntry; notificationId: string }
  | { kind: 'unknown' }
  | { kind: 'already-returned'; entry: AccountEntry };

export type StatementOutcome =
  | { kind: 'statement'; xml: string; messageId: string; entries: number }
  | { kind: 'not-closed'; today: string }
  | { kind: 'unknown-account' };

export interface StatementDesk {
  readonly store: SandboxBankStatementsStore;
  /** The bank's today (UTC): only days before it have a statement. */
  today(): string;
  /** Books transfers a file paid (in the file's transaction) and files their notices. */
  bookFile(
    trx: Knex.Transaction,
    file: { msgId: string; channel: FileChannel; transfers: readonly ReceivedTransfer[] },
  ): Promise<{ entries: number; notifications: number; returns: number }>;
  returnTransfer(request: {
    endToEndId: string;
    reason: ReturnReason;
    afterDays?: number;
    delayMs?: number;
  }): Promise<ReturnOutcome>;
  statement(account: string, date: string): Promise<StatementOutcome>;
}

export interface StatementDeskDeps {
  db: Knex;
  faults: StatementFaultSwitch;
  logger: StatementDeskLogger;
  /** The bank's clock, for which days are over (tests move it); bookings use the real time. */
  clock?: () => Date;
}

const addDays = (date: string, days: number): string => {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};

export function createStatementDesk(deps: StatementDeskDeps): StatementDesk {
  const store = new SandboxBankStatementsStore(deps.db);
  const { faults, logger } = deps;
  const clock = deps.clock ?? (() => new Date());

  /** Entries for one PmtInf's booked transfers, with the entry faults applied. */
  function entriesFor(msgId: string, transfers: readonly ReceivedTransfer[], bookedAt: Date): NewEntry[] {
    const first = transfers[0]!;
    const base = {
      account: first.debtorAccount,
      currency: first.currency,
      bookingDate: first.requestedExecutionDate,
      creditDebit: 'DBIT' as const,
      messageId: msgId,
      paymentInformationId: first.paymentInformationId,
      returnReason: null,
      bookedAt,
    };
    const txOf = (t: ReceivedTransfer) => ({
      endToEndId: t.endToEndId,
      instructionId: t.instructionId ?? null,
      amountMinor: BigInt(t.amountMinor),
    });
    const batch = first.batchBooking ?? faults.get().batchBooking;
    const planned: NewEntry[] = batch
      ? [{ ...base, kind: 'BATCH', amountMinor: 0n, transactions: transfers.map(txOf) }]
      : transfers.map((t) => ({ ...base, kind: 'TRANSFER', amountMinor: 0n, transactions: [txOf(t)] }));
    const entries: NewEntry[] = [];
    for (const entry of planned) {
      if (faults.take('omitNextEntry')) {
        logger.warn(
          { msgId, endToEndIds: entry.transactions.map((t) => t.endToEndId) },
          'injected fault: entry left off the statement',
        );
        continue;
      }
      if (faults.take('offByOneNextEntry')) {
        const [head, ...rest] = entry.transactions;
        entry.transactions = [{ ...head!, amountMinor: head!.amountMinor + 1n }, ...rest];
        logger.warn({ msgId, endToEndId: head!.endToEndId }, 'injected fault: entry off by one minor unit');
      }
      entry.amountMinor = entry.transactions.reduce((s, t) => s + t.amountMinor, 0n);
      entries.push(entry);
      if (faults.take('duplicateNextEntry')) {
        logger.warn({ msgId }, 'injected fault: entry booked twice');
        entries.push({ ...entry });
      }
    }
    return entries;
  }

  async function bookReturn(
    trx: Knex.Transaction,
    endToEndId: string,
    reason: ReturnReason,
    afterDays: number,
    delayMs: number,
  ): Promise<ReturnOutcome> {
    const transfer = await store.transferForReturn(trx, endToEndId);
    if (!transfer) return { kind: 'unknown' };
    const earlier = await store.returnOf(trx, endToEndId);
    if (earlier) return { kind: 'already-returned', entry: earlier };
    const now = new Date();
    const availableAt = new Date(now.getTime() + delayMs);
    const [entry] = await store.addEntries(
      trx,
      [
        {
          kind: 'RETURN',
          account: transfer.debtorAccount,
          currency: transfer.currency,
          bookingDate: addDays(transfer.bookingDate, afterDays),
          creditDebit: 'CRDT',
          amountMinor: transfer.amountMinor,
          messageId: transfer.messageId,
          paymentInformationId: transfer.paymentInformationId,
          transactions: [{ endToEndId, instructionId: null, amountMinor: transfer.amountMinor }],
          returnReason: reason,
          bookedAt: now,
        },
      ],
      availableAt,
    );
    const notice = buildCamt054({ account: transfer.debtorAccount, entries: [entry!] });
    const notificationId = await store.addNotification(
      trx,
      {
        messageId: notice.messageId,
        account: transfer.debtorAccount,
        channel: transfer.channel,
        xml: notice.xml,
      },
      availableAt,
    );
    logger.info({ endToEndId, reason, bookingDate: entry!.bookingDate, delayMs }, 'transfer returned');
    return { kind: 'returned', entry: entry!, notificationId };
  }

  return {
    store,
    today: () => clock().toISOString().slice(0, 10),

    async bookFile(trx, file) {
      const bookedAt = new Date();
      // One PmtInf at a time, in file order: its debtor account, date and booking mode.
      const byPmtInf = new Map<string, ReceivedTransfer[]>();
      for (const t of file.transfers) {
        const list = byPmtInf.get(t.paymentInformationId) ?? [];
        list.push(t);
        byPmtInf.set(t.paymentInformationId, list);
      }
      const planned: NewEntry[] = [];
      for (const transfers of byPmtInf.values()) planned.push(...entriesFor(file.msgId, transfers, bookedAt));
      const first = file.transfers[0];
      if (first && faults.take('unorderedNextEntry')) {
        logger.warn(
          { msgId: file.msgId, account: first.debtorAccount },
          'injected fault: an entry nobody ordered',
        );
        planned.push({
          kind: 'UNORDERED',
          account: first.debtorAccount,
          currency: first.currency,
          bookingDate: first.requestedExecutionDate,
          creditDebit: 'DBIT',
          amountMinor: UNORDERED_ENTRY_MINOR,
          messageId: null,
          paymentInformationId: null,
          transactions: [
            {
              endToEndId: randomUUID().replace(/-/g, ''),
              instructionId: null,
              amountMinor: UNORDERED_ENTRY_MINOR,
            },
          ],
          returnReason: null,
          bookedAt,
        });
      }
      const booked = await store.addEntries(trx, planned, bookedAt);
      // One notice per account the file touched.
      const accounts = [...new Set(booked.map((e) => e.account))];
      for (const account of accounts) {
        const notice = buildCamt054({ account, entries: booked.filter((e) => e.account === account) });
        await store.addNotification(
          trx,
          { messageId: notice.messageId, account, channel: file.channel, xml: notice.xml },
          bookedAt,
        );
      }
      let returns = 0;
      for (const t of file.transfers) {
        if (!faults.take('returnNext')) continue;
        const { returnReason, returnAfterDays, lateReturnMs } = faults.get();
        const outcome = await bookReturn(trx, t.endToEndId, returnReason, returnAfterDays, lateReturnMs);
        if (outcome.kind === 'returned') returns += 1;
      }
      return { entries: booked.length, notifications: accounts.length, returns };
    },

    returnTransfer: ({ endToEndId, reason, afterDays = 0, delayMs = 0 }) =>
      deps.db.transaction((trx) => bookReturn(trx, endToEndId, reason, afterDays, delayMs)),

    async statement(account, date) {
      const today = clock().toISOString().slice(0, 10);
      if (date >= today) return { kind: 'not-closed', today };
      const now = new Date();
      const balances = await store.balancesBefore(account, date, now);
      const entries = await store.entriesOn(account, date, now);
      const currencies = [...new Set([...balances.keys(), ...entries.map((e) => e.currency)])].sort();
      if (currencies.length === 0) return { kind: 'unknown-account' };
      const offset = BigInt(faults.get().statementBalanceOffsetMinor);
      const built = buildCamt053({
        account,
        date,
        statements: currencies.map((currency) => ({
          account,
          currency,
          date,
          openingBalanceMinor: balances.get(currency) ?? 0n,
          entries: entries.filter((e) => e.currency === currency),
        })),
        ...(offset === 0n ? {} : { closingBalanceOffsetMinor: offset }),
      });
      return { kind: 'statement', xml: built.xml, messageId: built.messageId, entries: entries.length };
    },
  };
}
