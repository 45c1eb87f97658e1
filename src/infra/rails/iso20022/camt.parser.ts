import { Currency, isKnownCurrency } from '../../../domain/currency.value-object';
import { CamtErrorCodes, camtError } from './camt.errors';
import { paymentIdOfEndToEndId } from './iso20022-ids.util';
import { isoXmlReader, type XmlNode } from './iso-xml.reader';

/**
 * camt.053.001.08 (BankToCustomerStatementV08: end-of-day statements) and camt.054.001.08
 * (BankToCustomerDebitCreditNotificationV08: intraday notices) read into plain data: the account,
 * its opening and closing booked balances, and every entry — credit or debit, amount, booking date,
 * a batch's PmtInfId/MsgId/NbOfTxs/total, each transaction's EndToEndId and amount, a return's
 * reason. Amounts are bigint minor units of the currency the bank wrote (balances signed: a debit
 * balance is negative). A document that is not one of the two messages, or lacks what the message
 * must carry, is refused whole with a typed error (camt.errors.ts). Matching entries to payouts is
 * not done here; `balanceCheck` only says whether a statement adds up.
 */

export const CAMT_053_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.08';
export const CAMT_054_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:camt.054.001.08';

export type CreditDebit = 'CRDT' | 'DBIT';

export interface CamtAccount {
  /** The IBAN, or the other account id, as the bank wrote it. */
  id: string;
  isIban: boolean;
  /** Acct/Ccy, when the bank said. */
  currency: string | null;
}

export interface CamtBalance {
  /** OPBD, CLBD, ITBD, … (or a proprietary type). */
  type: string;
  /** Signed minor units: credit positive, debit negative. */
  amountMinor: bigint;
  currency: string;
  date: string | null;
}

export interface CamtReturn {
  /** ExternalReturnReason1Code (AC04, AC06, MD07, …), or null when the bank gave a proprietary one. */
  code: string | null;
  proprietary: string | null;
  additionalInformation: string[];
}

export interface CamtTransaction {
  endToEndId: string | null;
  /** The payment the EndToEndId names (its UUID), or null when it is not one of ours. */
  paymentId: string | null;
  instructionId: string | null;
  messageId: string | null;
  paymentInformationId: string | null;
  accountServicerReference: string | null;
  amountMinor: bigint | null;
  currency: string | null;
  creditDebit: CreditDebit | null;
  return: CamtReturn | null;
}

export interface CamtBatch {
  messageId: string | null;
  paymentInformationId: string | null;
  numberOfTransactions: number | null;
  totalAmountMinor: bigint | null;
  creditDebit: CreditDebit | null;
}

export interface CamtEntry {
  reference: string | null;
  accountServicerReference: string | null;
  amountMinor: bigint;
  currency: string;
  creditDebit: CreditDebit;
  /** RvslInd: the entry reverses an earlier one. */
  reversal: boolean;
  /** BOOK, PDNG, INFO, … */
  status: string;
  bookingDate: string | null;
  valueDate: string | null;
  /** Domain/family/sub-family, e.g. PMNT/ICDT/ESCT, or PMNT/ICDT/RRTN for a returned transfer. */
  bankTransactionCode: string | null;
  /** The batch the entry books (NtryDtls/Btch), when it books one. */
  batch: CamtBatch | null;
  /** Every TxDtls of every NtryDtls, in document order. */
  transactions: CamtTransaction[];
  /** A transaction beneath carries RtrInf (a return). */
  isReturn: boolean;
  additionalInformation: string | null;
}

export interface CamtAccountReport {
  /** Stmt/Id or Ntfctn/Id. */
  id: string;
  createdAt: string | null;
  account: CamtAccount;
  /** The account's currency: Acct/Ccy, else its balances' and entries' (null when it has none). */
  currency: string | null;
  /** Statements: OPBD and CLBD (null when the bank left one out); notices have none. */
  openingBalance: CamtBalance | null;
  closingBalance: CamtBalance | null;
  balances: CamtBalance[];
  entries: CamtEntry[];
}

export interface CamtStatementMessage {
  kind: 'camt.053';
  messageId: string;
  createdAt: string;
  /** One per account (and currency) reported. */
  statements: CamtAccountReport[];
}

export interface CamtNotificationMessage {
  kind: 'camt.054';
  messageId: string;
  createdAt: string;
  notifications: CamtAccountReport[];
}

export type CamtMessage = CamtStatementMessage | CamtNotificationMessage;

const malformed = (message: string, details?: Record<string, unknown>) =>
  camtError(CamtErrorCodes.MALFORMED_STATEMENT, message, details);

const {
  readDocument: readIsoDocument,
  child,
  list,
  text,
  required,
  count,
} = isoXmlReader({
  what: 'statement',
  repeated: ['Stmt', 'Ntfctn', 'Bal', 'Ntry', 'NtryDtls', 'TxDtls', 'AddtlInf'],
  malformed,
  missing: (path, name) => `a ${path} needs ${name}`,
});

function creditDebit(node: unknown, path: string, optional: true): CreditDebit | null;
function creditDebit(node: unknown, path: string, optional?: false): CreditDebit;
function creditDebit(node: unknown, path: string, optional = false): CreditDebit | null {
  const v = text(node, 'CdtDbtInd');
  if (v === null && optional) return null;
  if (v !== 'CRDT' && v !== 'DBIT') {
    throw malformed(`${path}/CdtDbtInd must be CRDT or DBIT`, { path: `${path}/CdtDbtInd`, value: v });
  }
  return v;
}
const dateOf = (node: unknown): string | null => {
  const d = text(node, 'Dt') ?? text(node, 'DtTm');
  return d === null ? null : d.slice(0, 10);
};

/**
 * "15050.00" EUR → 1505000n: exact, never through a float. More decimals than the currency has
 * (or an unknown currency, or not a plain non-negative decimal) is refused: the bank never books
 * a fraction of a minor unit, so such an amount is a broken document, not a rounding matter.
 */
export function minorUnitsOf(amount: string, currency: string, path: string): bigint {
  if (!isKnownCurrency(currency)) {
    throw camtError(CamtErrorCodes.INVALID_STATEMENT_AMOUNT, `${path}: unknown currency ${currency}`, {
      path,
      currency,
    });
  }
  const digits = Currency.of(currency).minorDigits;
  const m = /^([0-9]{1,18})(?:\.([0-9]{1,17}))?$/.exec(amount);
  const fraction = (m?.[2] ?? '').replace(/0+$/, '');
  if (!m || fraction.length > digits) {
    throw camtError(
      CamtErrorCodes.INVALID_STATEMENT_AMOUNT,
      `${path}: ${amount} is not an amount of ${currency} (${digits} decimals)`,
      { path, amount, currency },
    );
  }
  return BigInt(`${m[1]}${fraction.padEnd(digits, '0')}`);
}

function amountOf(node: unknown, name: string, path: string): { minor: bigint; currency: string } | null {
  const amt = typeof node === 'object' && node !== null ? (node as XmlNode)[name] : undefined;
  if (amt === undefined) return null;
  const value = typeof amt === 'object' && amt !== null ? (amt as XmlNode)['#text'] : amt;
  const currency = typeof amt === 'object' && amt !== null ? (amt as XmlNode)['@_Ccy'] : undefined;
  if (typeof value !== 'string' || typeof currency !== 'string') {
    throw malformed(`${path}/${name} needs an amount and its Ccy`, { path: `${path}/${name}` });
  }
  return { minor: minorUnitsOf(value, currency, `${path}/${name}`), currency };
}
function requiredAmount(node: unknown, name: string, path: string): { minor: bigint; currency: string } {
  const a = amountOf(node, name, path);
  if (!a) throw malformed(`a ${path} needs ${name}`, { missing: `${path}/${name}` });
  return a;
}

function bankTransactionCode(node: unknown): string | null {
  const domain = child(child(node, 'BkTxCd'), 'Domn');
  const family = child(domain, 'Fmly');
  const codes = [text(domain, 'Cd'), text(family, 'Cd'), text(family, 'SubFmlyCd')];
  if (codes.every((c) => c !== null)) return codes.join('/');
  return text(child(child(node, 'BkTxCd'), 'Prtry'), 'Cd');
}

function transactionOf(t: unknown, path: string): CamtTransaction {
  const refs = child(t, 'Refs');
  const endToEndId = text(refs, 'EndToEndId');
  const amount = amountOf(t, 'Amt', path);
  const rtr = child(t, 'RtrInf');
  return {
    endToEndId,
    paymentId: endToEndId === null ? null : paymentIdOfEndToEndId(endToEndId),
    instructionId: text(refs, 'InstrId'),
    messageId: text(refs, 'MsgId'),
    paymentInformationId: text(refs, 'PmtInfId'),
    accountServicerReference: text(refs, 'AcctSvcrRef'),
    amountMinor: amount?.minor ?? null,
    currency: amount?.currency ?? null,
    creditDebit: creditDebit(t, path, true),
    return: rtr
      ? {
          code: text(child(rtr, 'Rsn'), 'Cd'),
          proprietary: text(child(rtr, 'Rsn'), 'Prtry'),
          additionalInformation: list(rtr, 'AddtlInf').filter((s): s is string => typeof s === 'string'),
        }
      : null,
  };
}

function entryOf(n: unknown, path: string): CamtEntry {
  const amount = requiredAmount(n, 'Amt', path);
  const details = list(n, 'NtryDtls');
  const btch = details.map((d) => child(d, 'Btch')).find((b) => b !== undefined);
  const transactions = details.flatMap((d, i) =>
    list(d, 'TxDtls').map((t, j) => transactionOf(t, `${path}/NtryDtls[${i}]/TxDtls[${j}]`)),
  );
  const sts = child(n, 'Sts');
  const status = text(sts, 'Cd') ?? text(sts, 'Prtry');
  if (status === null) throw malformed(`a ${path} needs Sts`, { missing: `${path}/Sts` });
  const total = btch ? amountOf(btch, 'TtlAmt', `${path}/NtryDtls/Btch`) : null;
  return {
    reference: text(n, 'NtryRef'),
    accountServicerReference: text(n, 'AcctSvcrRef'),
    amountMinor: amount.minor,
    currency: amount.currency,
    creditDebit: creditDebit(n, path),
    reversal: text(n, 'RvslInd') === 'true',
    status,
    bookingDate: dateOf(child(n, 'BookgDt')),
    valueDate: dateOf(child(n, 'ValDt')),
    bankTransactionCode: bankTransactionCode(n),
    batch: btch
      ? {
          messageId: text(btch, 'MsgId'),
          paymentInformationId: text(btch, 'PmtInfId'),
          numberOfTransactions: count(btch, 'NbOfTxs', `${path}/NtryDtls/Btch`),
          totalAmountMinor: total?.minor ?? null,
          creditDebit: creditDebit(btch, `${path}/NtryDtls/Btch`, true),
        }
      : null,
    transactions,
    isReturn: transactions.some((t) => t.return !== null),
    additionalInformation: text(n, 'AddtlNtryInf'),
  };
}

function balanceOf(b: unknown, path: string): CamtBalance {
  const tp = child(child(b, 'Tp'), 'CdOrPrtry');
  const type = text(tp, 'Cd') ?? text(tp, 'Prtry');
  if (type === null) throw malformed(`a ${path} needs Tp/CdOrPrtry`, { missing: `${path}/Tp` });
  const amount = requiredAmount(b, 'Amt', path);
  const sign = creditDebit(b, path);
  return {
    type,
    amountMinor: sign === 'DBIT' ? -amount.minor : amount.minor,
    currency: amount.currency,
    date: dateOf(child(b, 'Dt')),
  };
}

function reportOf(node: unknown, path: string): CamtAccountReport {
  const acctNode = child(node, 'Acct');
  const idNode = child(acctNode, 'Id');
  const iban = text(idNode, 'IBAN');
  const other = text(child(idNode, 'Othr'), 'Id');
  if (iban === null && other === null)
    throw malformed(`a ${path} needs Acct/Id`, { missing: `${path}/Acct/Id` });
  const balances = list(node, 'Bal').map((b, i) => balanceOf(b, `${path}/Bal[${i}]`));
  const entries = list(node, 'Ntry').map((n, i) => entryOf(n, `${path}/Ntry[${i}]`));
  const declared = text(acctNode, 'Ccy');
  return {
    id: required(node, 'Id', path),
    createdAt: text(node, 'CreDtTm'),
    account: { id: (iban ?? other)!, isIban: iban !== null, currency: declared },
    currency: declared ?? balances[0]?.currency ?? entries[0]?.currency ?? null,
    openingBalance: balances.find((b) => b.type === 'OPBD' || b.type === 'PRCD') ?? null,
    closingBalance: balances.find((b) => b.type === 'CLBD') ?? null,
    balances,
    entries,
  };
}

function readDocument(xml: string): { namespace: string; document: XmlNode } {
  let namespace = '';
  const document = readIsoDocument(xml, (ns) => {
    if (ns !== CAMT_053_NAMESPACE && ns !== CAMT_054_NAMESPACE) {
      throw camtError(
        CamtErrorCodes.UNSUPPORTED_STATEMENT,
        'the document is neither a camt.053.001.08 nor a camt.054.001.08',
        { namespace: ns },
      );
    }
    namespace = ns;
  });
  return { namespace, document };
}

function header(message: XmlNode, root: string): { messageId: string; createdAt: string } {
  const grpHdr = child(message, 'GrpHdr');
  if (!grpHdr) throw malformed(`a ${root} needs GrpHdr`, { missing: `${root}/GrpHdr` });
  return {
    messageId: required(grpHdr, 'MsgId', `${root}/GrpHdr`),
    createdAt: required(grpHdr, 'CreDtTm', `${root}/GrpHdr`),
  };
}

/** Reads a camt.053.001.08 or a camt.054.001.08, whichever the document is. */
export function parseCamt(xml: string): CamtMessage {
  const { namespace, document } = readDocument(xml);
  if (namespace === CAMT_053_NAMESPACE) {
    const message = child(document, 'BkToCstmrStmt');
    if (!message) throw malformed('a camt.053 needs Document/BkToCstmrStmt');
    const statements = list(message, 'Stmt').map((s, i) => reportOf(s, `Stmt[${i}]`));
    if (statements.length === 0) throw malformed('a camt.053 needs at least one Stmt');
    for (const [i, s] of statements.entries()) {
      // What makes a statement a statement: the balances it is reconciled against.
      if (!s.openingBalance || !s.closingBalance) {
        throw malformed(`Stmt[${i}] needs an opening (OPBD) and a closing (CLBD) balance`, {
          statement: s.id,
        });
      }
    }
    return { kind: 'camt.053', ...header(message, 'BkToCstmrStmt'), statements };
  }
  const message = child(document, 'BkToCstmrDbtCdtNtfctn');
  if (!message) throw malformed('a camt.054 needs Document/BkToCstmrDbtCdtNtfctn');
  const notifications = list(message, 'Ntfctn').map((n, i) => reportOf(n, `Ntfctn[${i}]`));
  if (notifications.length === 0) throw malformed('a camt.054 needs at least one Ntfctn');
  return { kind: 'camt.054', ...header(message, 'BkToCstmrDbtCdtNtfctn'), notifications };
}

/** A camt.053.001.08 statement; anything else is refused (UNSUPPORTED_STATEMENT for a camt.054). */
export function parseCamt053(xml: string): CamtStatementMessage {
  const message = parseCamt(xml);
  if (message.kind !== 'camt.053') {
    throw camtError(
      CamtErrorCodes.UNSUPPORTED_STATEMENT,
      'expected a camt.053.001.08 statement, got a camt.054',
      {
        namespace: CAMT_054_NAMESPACE,
      },
    );
  }
  return message;
}

/** A camt.054.001.08 notification; anything else is refused (UNSUPPORTED_STATEMENT for a camt.053). */
export function parseCamt054(xml: string): CamtNotificationMessage {
  const message = parseCamt(xml);
  if (message.kind !== 'camt.054') {
    throw camtError(
      CamtErrorCodes.UNSUPPORTED_STATEMENT,
      'expected a camt.054.001.08 notification, got a camt.053',
      {
        namespace: CAMT_053_NAMESPACE,
      },
    );
  }
  return message;
}

/** Signed sum of the booked entries (credits add, debits take away). */
export const netOfEntries = (entries: readonly CamtEntry[]): bigint =>
  entries
    .filter((e) => e.status === 'BOOK')
    .reduce((sum, e) => sum + (e.creditDebit === 'CRDT' ? e.amountMinor : -e.amountMinor), 0n);

/**
 * Whether a statement adds up: opening + booked entries = closing. A break is the bank's statement
 * disagreeing with itself — for the reconciliation to raise, not for the parser to refuse.
 */
export function balanceCheck(statement: CamtAccountReport): {
  balanced: boolean;
  openingMinor: bigint;
  netEntriesMinor: bigint;
  closingMinor: bigint;
  /** closing − (opening + entries): 0 when balanced. */
  differenceMinor: bigint;
} {
  if (!statement.openingBalance || !statement.closingBalance) {
    throw malformed('a balance check needs an opening and a closing balance', { statement: statement.id });
  }
  const openingMinor = statement.openingBalance.amountMinor;
  const closingMinor = statement.closingBalance.amountMinor;
  const netEntriesMinor = netOfEntries(statement.entries);
  const differenceMinor = closingMinor - (openingMinor + netEntriesMinor);
  return { balanced: differenceMinor === 0n, openingMinor, netEntriesMinor, closingMinor, differenceMinor };
}
