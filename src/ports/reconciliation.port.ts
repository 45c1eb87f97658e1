import type {
  ReconciliationException,
  ExceptionStatus,
  ExceptionResolution,
} from '../domain/reconciliation-exception.aggregate';
import type {
  AccountStatement,
  AwaitingPayout,
  ExceptionDraft,
  ExceptionKind,
  ExpectedBatch,
  ExpectedPayout,
  MatchedLine,
  ReconciliationState,
} from '../domain/statement-matching';
import type { AuditWriter } from './audit.port';
import type { CommissionRepository } from './commission-repository.port';
import type { EventLog } from './event-log.port';
import type { PartnerNoticeOutbox } from './partner-notice-outbox.port';
import type { PartnerRepository } from './partner-repository.port';
import type { PaymentRepository } from './payment-repository.port';
import type { SettlementRepository } from './settlement-repository.port';

/** A camt.053 or camt.054 read and checked, as matching needs it. */
export interface StatementMessage {
  kind: 'camt.053' | 'camt.054';
  messageId: string;
  statements: AccountStatement[];
}

/**
 * Reads a statement document: schema-checked (when an XSD is configured) and parsed. A document
 * that fails either is refused whole with a DomainError whose code starts `BANK_FILE.` (the reason
 * in its message): nothing of it is applied.
 */
export interface StatementReader {
  read(xml: string): Promise<StatementMessage>;
}

/** Where statements come from when we fetch them: the bank's notices and its closed days. */
export interface StatementSource {
  /** camt.054 notices after the cursor (null: from the first), oldest first, and the next cursor. */
  notifications(
    cursor: string | null,
  ): Promise<{ items: Array<{ id: string; xml: string }>; cursor: string | null }>;
  /** Closed days (YYYY-MM-DD) of an account that have entries, newest first. */
  closedDays(account: string): Promise<string[]>;
  /** The camt.053 of an account's closed day. */
  statement(account: string, date: string): Promise<string>;
}

export interface ReceivedStatement {
  messageId: string;
  kind: 'camt.053' | 'camt.054';
  source: 'upload' | 'fetch';
  account: string;
  entryCount: number;
  xml: string;
  receivedBy: string | null;
  at: Date;
}

export interface PayoutStateChange {
  state: ReconciliationState;
  entryRef: string;
  bookingDate?: string | null;
  returnCode?: string | null;
  returnReason?: string | null;
  at: Date;
}

/** Reconciliation's records inside one transaction. */
export interface ReconciliationStore {
  /** Records a statement by its MsgId; false when it was recorded before (then nothing is to be applied). */
  recordStatement(statement: ReceivedStatement): Promise<boolean>;
  /** Which of these entry refs were applied before for the account. */
  seenEntries(account: string, refs: readonly string[]): Promise<Set<string>>;
  /** The file-rail payouts among these payment ids (the bank accepted or holds their file). */
  expectedPayouts(paymentIds: readonly string[]): Promise<ExpectedPayout[]>;
  /** Files named by PmtInfId or MsgId, with their payouts. */
  expectedBatches(refs: {
    paymentInformationIds: readonly string[];
    messageIds: readonly string[];
  }): Promise<ExpectedBatch[]>;
  recordLines(account: string, messageId: string, lines: readonly MatchedLine[], at: Date): Promise<void>;
  /** The payout's state now (AWAITING_STATEMENT when it has no row yet). */
  setPayoutState(paymentId: string, change: PayoutStateChange): Promise<void>;
  /** Notes an entry that names the payout without booking it (a wrong amount): it is not NOT_BOOKED. */
  notePayoutSeen(paymentId: string, entryRef: string, at: Date): Promise<void>;
  /** Inserts the exceptions whose key is new; answers how many were. */
  raise(drafts: readonly ExceptionDraft[], at: Date): Promise<number>;
  /** Payouts the bank accepted that no entry has named and no exception marks NOT_BOOKED yet. */
  awaitingPayouts(): Promise<AwaitingPayout[]>;
  /** Held for update. */
  findException(id: number): Promise<ReconciliationException | undefined>;
  saveException(exception: ReconciliationException): Promise<void>;
  cursor(channel: string): Promise<string | null>;
  setCursor(channel: string, cursor: string | null, at: Date): Promise<void>;
}

export interface ReconciliationTransactionScope {
  reconciliation: ReconciliationStore;
  payments: PaymentRepository;
  commissions: CommissionRepository;
  /** A return flags the partner's payout method. */
  partners: PartnerRepository;
  /** A return's notice to the partner, sent by the relay once this commits. */
  partnerNotices: PartnerNoticeOutbox;
  /** A settlement payout's run counts it RETURNED. */
  settlements: Pick<SettlementRepository, 'countPayoutTransition'>;
  events: EventLog;
  audit: AuditWriter;
}

/**
 * Tells a payment's workflow that the bank returned its payout, after the return committed. Best
 * effort by design: a workflow closed or never started is fine (the refund window is over), and
 * one that misses the signal still cannot refund (its recording step refuses a RETURNED payment).
 */
export interface PayoutReturnSignal {
  payoutReturned(paymentId: string, input: { returnCode: string | null; reason: string }): Promise<void>;
}

/** One database transaction: everything done through the scope commits or rolls back together. */
export interface ReconciliationUnitOfWork {
  run<T>(work: (tx: ReconciliationTransactionScope) => Promise<T>): Promise<T>;
}

export interface ExceptionView {
  id: number;
  kind: ExceptionKind;
  status: ExceptionStatus;
  account: string | null;
  reference: string | null;
  amountMinor: number | null;
  expectedMinor: number | null;
  currency: string | null;
  paymentId: string | null;
  bookingDate: string | null;
  detail: string;
  createdAt: string;
  ageSeconds: number;
  resolution: ExceptionResolution | null;
  reason: string | null;
  proposedBy: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
}

export interface ReportRow {
  source: 'PAYOUT' | 'ENTRY';
  paymentId: string | null;
  endToEndId: string | null;
  entryRef: string | null;
  batchRef: string | null;
  account: string | null;
  bookingDate: string | null;
  creditDebit: string | null;
  amountMinor: number;
  currency: string;
  matchedAs: string;
}

/** How many payouts and how much (integer minor units as a decimal string: sums may pass 2^53). */
export interface Tally {
  count: number;
  amountMinor: string;
}

/** One execution day of one debtor account in one currency: what we sent, and what the bank said. */
export interface ReconciliationDay {
  date: string;
  account: string;
  currency: string;
  /** Payouts the bank took by file for the day. */
  expected: Tally;
  booked: Tally;
  returned: Tally;
  /** Not named by a statement yet. */
  awaiting: Tally;
}

export interface ReconciliationReads {
  exceptions(filter: {
    kind?: ExceptionKind;
    status?: ExceptionStatus;
    limit: number;
  }): Promise<ExceptionView[]>;
  exception(id: number): Promise<ExceptionView | undefined>;
  /** Every payout executed and every statement line booked on the day, with how it matched. */
  report(date: string): Promise<ReportRow[]>;
  /** Per execution day (newest first), account and currency in [from, to]: one grouped query. */
  days(range: { from: string; to: string }): Promise<ReconciliationDay[]>;
}

/** What one scheduled fetch did, in counts (the documents themselves stay in the database). */
export interface StatementFetchCounts {
  /** camt.054 notices and camt.053 statements read, and how many of them were new (applied). */
  notices: number;
  statements: number;
  applied: number;
  booked: number;
  returned: number;
  /** New exceptions: from the documents applied, and NOT_BOOKED from the grace sweep. */
  exceptions: number;
}
