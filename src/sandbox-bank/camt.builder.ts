import { XMLBuilder } from 'fast-xml-parser';
import { nameBasedUuid } from '../shared/name-based-uuid';
import { decimalOf } from './bank-amount.util';

/**
 * The sandbox bank's cash-management messages, as a bank sends them to its customer:
 *  - camt.053.001.08 (BankToCustomerStatementV08): the end-of-day statement of an account, one
 *    `Stmt` per currency held, with its opening (OPBD) and closing (CLBD) booked balances and every
 *    entry booked that day;
 *  - camt.054.001.08 (BankToCustomerDebitCreditNotificationV08): an intraday notice of entries
 *    just booked — debits for transfers, credits for returns.
 * Entries: a transfer booked alone (its EndToEndId in TxDtls/Refs), a batch booked as one entry
 * (one per pain.001 PmtInf: NtryDtls/Btch with MsgId, PmtInfId, NbOfTxs, TtlAmt, and every
 * transaction beneath), a return (a credit with RtrInf naming the original EndToEndId and an ISO
 * return reason). Built with fast-xml-parser's XMLBuilder; amounts are bigint minor units written
 * with the currency's digits. Ids are name-based: the same content gives the same MsgId.
 */

export const CAMT_053_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.08';
export const CAMT_054_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:camt.054.001.08';

/** ExternalReturnReason1Code values the bank returns transfers with, with their ISO names. */
export const RETURN_REASONS = {
  AC01: 'Incorrect account number',
  AC04: 'Closed account number',
  AC06: 'Blocked account',
  AG01: 'Transaction forbidden',
  BE04: 'Missing creditor address',
  MD07: 'End customer deceased',
  MS02: 'Not specified reason customer generated',
  MS03: 'Not specified reason agent generated',
} as const;
export type ReturnReason = keyof typeof RETURN_REASONS;

export type CreditDebit = 'CRDT' | 'DBIT';

/**
 * One booking on a customer's account as the bank keeps it. `kind` says how it was booked:
 * TRANSFER (one transfer), BATCH (one PmtInf), RETURN (money back from the creditor's bank),
 * UNORDERED (a debit nobody ordered: a fault the sandbox injects).
 */
export interface AccountEntry {
  id: string;
  /** The bank's running number of the entry (NtryRef). */
  seq: number;
  kind: 'TRANSFER' | 'BATCH' | 'RETURN' | 'UNORDERED';
  account: string;
  currency: string;
  bookingDate: string;
  creditDebit: CreditDebit;
  amountMinor: bigint;
  /** The pain.001 and PmtInf the entry books (absent for UNORDERED). */
  messageId: string | null;
  paymentInformationId: string | null;
  transactions: Array<{ endToEndId: string; instructionId: string | null; amountMinor: bigint }>;
  returnReason: ReturnReason | null;
  /** When the entry was booked (ValDt is the booking date; this is for CreDtTm). */
  bookedAt: Date;
}

export interface Camt053Statement {
  account: string;
  currency: string;
  /** YYYY-MM-DD */
  date: string;
  /** Signed: credit positive, debit negative. */
  openingBalanceMinor: bigint;
  entries: readonly AccountEntry[];
}

export interface BuiltMessage {
  xml: string;
  messageId: string;
}

const writer = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  format: true,
  indentBy: '  ',
});

const IBAN = /^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$/;
const accountId = (account: string) =>
  IBAN.test(account) ? { Id: { IBAN: account } } : { Id: { Othr: { Id: account } } };

const amount = (minor: bigint, currency: string) => ({
  '@_Ccy': currency,
  '#text': decimalOf(minor, currency),
});
const signed = (minor: bigint) => ({
  magnitude: minor < 0n ? -minor : minor,
  sign: minor < 0n ? 'DBIT' : 'CRDT',
});
const dateTime = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const hex = (namespace: string, name: unknown): string =>
  nameBasedUuid(
    namespace,
    JSON.stringify(name, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
  ).replace(/-/g, '');

/** Bank transaction codes: an issued credit transfer (SEPA in EUR), or the return of one. */
function transactionCode(entry: AccountEntry) {
  const subFamily = entry.kind === 'RETURN' ? 'RRTN' : entry.currency === 'EUR' ? 'ESCT' : 'DMCT';
  return { Domn: { Cd: 'PMNT', Fmly: { Cd: 'ICDT', SubFmlyCd: subFamily } } };
}

function entryElement(entry: AccountEntry) {
  const txDetails = entry.transactions.map((t) => ({
    Refs: {
      ...(entry.messageId ? { MsgId: entry.messageId } : {}),
      AcctSvcrRef: entry.id.replace(/-/g, ''),
      ...(entry.paymentInformationId ? { PmtInfId: entry.paymentInformationId } : {}),
      ...(t.instructionId ? { InstrId: t.instructionId } : {}),
      EndToEndId: t.endToEndId,
    },
    Amt: amount(t.amountMinor, entry.currency),
    CdtDbtInd: entry.creditDebit,
    ...(entry.returnReason
      ? {
          RtrInf: {
            Rsn: { Cd: entry.returnReason },
            AddtlInf: RETURN_REASONS[entry.returnReason],
          },
        }
      : {}),
  }));
  const batch =
    entry.kind === 'BATCH'
      ? {
          Btch: {
            ...(entry.messageId ? { MsgId: entry.messageId } : {}),
            ...(entry.paymentInformationId ? { PmtInfId: entry.paymentInformationId } : {}),
            NbOfTxs: String(entry.transactions.length),
            TtlAmt: amount(entry.amountMinor, entry.currency),
            CdtDbtInd: entry.creditDebit,
          },
        }
      : {};
  return {
    NtryRef: String(entry.seq),
    Amt: amount(entry.amountMinor, entry.currency),
    CdtDbtInd: entry.creditDebit,
    Sts: { Cd: 'BOOK' },
    BookgDt: { Dt: entry.bookingDate },
    ValDt: { Dt: entry.bookingDate },
    AcctSvcrRef: entry.id.replace(/-/g, ''),
    BkTxCd: transactionCode(entry),
    NtryDtls: { ...batch, TxDtls: txDetails },
    ...(entry.kind === 'RETURN' ? { AddtlNtryInf: 'Returned credit transfer' } : {}),
  };
}

/** Sum of entries, signed (credits add, debits take away). */
export const netOf = (entries: readonly AccountEntry[]): bigint =>
  entries.reduce((sum, e) => sum + (e.creditDebit === 'CRDT' ? e.amountMinor : -e.amountMinor), 0n);

function summary(entries: readonly AccountEntry[], currency: string) {
  const credits = entries.filter((e) => e.creditDebit === 'CRDT');
  const debits = entries.filter((e) => e.creditDebit === 'DBIT');
  const total = (list: readonly AccountEntry[]) => list.reduce((s, e) => s + e.amountMinor, 0n);
  const net = signed(netOf(entries));
  return {
    TtlNtries: {
      NbOfNtries: String(entries.length),
      Sum: decimalOf(total(entries), currency),
      TtlNetNtry: { Amt: decimalOf(net.magnitude, currency), CdtDbtInd: net.sign },
    },
    TtlCdtNtries: { NbOfNtries: String(credits.length), Sum: decimalOf(total(credits), currency) },
    TtlDbtNtries: { NbOfNtries: String(debits.length), Sum: decimalOf(total(debits), currency) },
  };
}

function balance(type: 'OPBD' | 'CLBD', minor: bigint, currency: string, date: string) {
  const { magnitude, sign } = signed(minor);
  return {
    Tp: { CdOrPrtry: { Cd: type } },
    Amt: amount(magnitude, currency),
    CdtDbtInd: sign,
    Dt: { Dt: date },
  };
}

/** When a message was made: its latest booking (or `floor`), so the same content has the same bytes. */
function latest(entries: readonly AccountEntry[], floor: Date): Date {
  let max = floor;
  for (const e of entries) if (e.bookedAt > max) max = e.bookedAt;
  return max;
}

/**
 * The end-of-day statement of one account and day: one Stmt per currency, in the order given.
 * The closing balance is the opening balance plus the entries written — always, whatever fault
 * changed an entry (a statement that disagrees with itself is a separate, explicit fault:
 * `closingBalanceOffsetMinor`).
 */
export function buildCamt053(input: {
  account: string;
  date: string;
  statements: readonly Camt053Statement[];
  /** Added to the closing balance of every Stmt: a balance break, injected on purpose. */
  closingBalanceOffsetMinor?: bigint;
}): BuiltMessage & { statementIds: string[] } {
  if (input.statements.length === 0) throw new Error('a camt.053 needs at least one statement');
  const endOfDay = new Date(`${input.date}T23:59:59Z`);
  const all = input.statements.flatMap((s) => s.entries);
  const createdAt = latest(all, endOfDay);
  const messageId = hex('sandbox-bank/camt.053/MsgId', [
    input.account,
    input.date,
    input.statements.map((s) => [s.currency, s.openingBalanceMinor, s.entries.map((e) => e.id)]),
    input.closingBalanceOffsetMinor ?? 0n,
  ]);
  const statementIds: string[] = [];
  const stmts = input.statements.map((s) => {
    const id = hex('sandbox-bank/camt.053/Stmt', [input.account, s.currency, input.date]);
    statementIds.push(id);
    const closing = s.openingBalanceMinor + netOf(s.entries) + (input.closingBalanceOffsetMinor ?? 0n);
    return {
      Id: id,
      CreDtTm: dateTime(createdAt),
      FrToDt: { FrDtTm: `${input.date}T00:00:00Z`, ToDtTm: `${input.date}T23:59:59Z` },
      Acct: { ...accountId(input.account), Ccy: s.currency },
      Bal: [
        balance('OPBD', s.openingBalanceMinor, s.currency, input.date),
        balance('CLBD', closing, s.currency, input.date),
      ],
      TxsSummry: summary(s.entries, s.currency),
      Ntry: s.entries.map(entryElement),
    };
  });
  const document = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    Document: {
      '@_xmlns': CAMT_053_NAMESPACE,
      BkToCstmrStmt: {
        GrpHdr: { MsgId: messageId, CreDtTm: dateTime(createdAt) },
        Stmt: stmts,
      },
    },
  };
  return { xml: writer.build(document) as string, messageId, statementIds };
}

/**
 * An intraday notice of entries just booked on one account: one Ntfctn per currency. The entries'
 * ids make the MsgId, so a notice written again for the same bookings is recognisably the same.
 */
export function buildCamt054(input: { account: string; entries: readonly AccountEntry[] }): BuiltMessage {
  if (input.entries.length === 0) throw new Error('a camt.054 needs at least one entry');
  const createdAt = latest(input.entries, new Date(0));
  const messageId = hex('sandbox-bank/camt.054/MsgId', [input.account, input.entries.map((e) => e.id)]);
  const currencies = [...new Set(input.entries.map((e) => e.currency))];
  const notifications = currencies.map((currency) => {
    const entries = input.entries.filter((e) => e.currency === currency);
    return {
      Id: hex('sandbox-bank/camt.054/Ntfctn', [messageId, currency]),
      CreDtTm: dateTime(createdAt),
      Acct: { ...accountId(input.account), Ccy: currency },
      TxsSummry: summary(entries, currency),
      Ntry: entries.map(entryElement),
    };
  });
  const document = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    Document: {
      '@_xmlns': CAMT_054_NAMESPACE,
      BkToCstmrDbtCdtNtfctn: {
        GrpHdr: { MsgId: messageId, CreDtTm: dateTime(createdAt) },
        Ntfctn: notifications,
      },
    },
  };
  return { xml: writer.build(document) as string, messageId };
}
