import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { minorDigitsOf } from './bank-amount.util';

/**
 * The bank's reading of a pain.001.001.10 it received: what it needs to book the transfers. Another
 * system's code (it shares nothing with our builder). A file that cannot be read is refused whole:
 * `MalformedFileError`, whose message is the reason given to the sender.
 */

export const PAIN_001_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.10';

export class MalformedFileError extends Error {
  override readonly name = 'MalformedFileError';
}

export interface ReceivedTransfer {
  paymentInformationId: string;
  endToEndId: string;
  amountMinor: number;
  currency: string;
  /** The creditor's IBAN or other account id, spaces removed. */
  account: string;
  isIban: boolean;
  /** The debtor's (our customer's) account the transfer is paid from: IBAN or other id, spaces removed. */
  debtorAccount: string;
  /** PmtInf/ReqdExctnDt (its date part): the day the bank books the transfer. */
  requestedExecutionDate: string;
  /** PmtInf/BtchBookg: true (one entry for the batch), false (one per transfer), or not said. */
  batchBooking: boolean | undefined;
  /** The instruction id, when the sender gave one. */
  instructionId: string | undefined;
}

export interface ReceivedPain001 {
  msgId: string;
  transfers: ReceivedTransfer[];
}

type XmlNode = Record<string, unknown>;

/** Keeps prefixes and xmlns attributes: only for finding the root's namespace. */
const rootReader = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
});

function rootNamespace(xml: string): string | undefined {
  const doc = rootReader.parse(xml) as XmlNode;
  const rootName = Object.keys(doc).find((k) => !k.startsWith('?'));
  const [prefix, local] = rootName?.includes(':') ? rootName.split(':', 2) : [undefined, rootName];
  const root = rootName === undefined ? undefined : doc[rootName];
  if (local !== 'Document' || typeof root !== 'object' || root === null) return undefined;
  const ns = (root as XmlNode)[prefix === undefined ? '@_xmlns' : `@_xmlns:${prefix}`];
  return typeof ns === 'string' ? ns : undefined;
}

const reader = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => name === 'PmtInf' || name === 'CdtTrfTxInf',
});

const at = (node: unknown, ...path: string[]): unknown => {
  let v: unknown = node;
  for (const p of path) v = typeof v === 'object' && v !== null ? (v as XmlNode)[p] : undefined;
  return v;
};
const text = (node: unknown, ...path: string[]): string => {
  const v = at(node, ...path);
  if (typeof v !== 'string' || v === '') throw new MalformedFileError(`the file has no ${path.join('/')}`);
  return v;
};

/** "15050.00" in EUR → 1505000; more decimals than the currency has is refused. */
function minorUnits(amount: string, currency: string): number {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(amount);
  if (!m) throw new MalformedFileError(`amount ${amount} is not a decimal amount`);
  const digits = minorDigitsOf(currency);
  const decimals = m[2] ?? '';
  if (decimals.length > digits) {
    throw new MalformedFileError(`amount ${amount} has more decimals than ${currency} (${digits})`);
  }
  const minor = Number(`${m[1]}${decimals.padEnd(digits, '0')}`);
  if (!Number.isSafeInteger(minor) || minor <= 0) {
    throw new MalformedFileError(`amount ${amount} ${currency} cannot be booked`);
  }
  return minor;
}

export function readPain001(xml: string): ReceivedPain001 {
  if (xml.trim() === '') throw new MalformedFileError('the file is empty');
  // ISO 20022 messages never declare a DTD: refusing one rules out entity-expansion tricks.
  if (/<!DOCTYPE/i.test(xml)) throw new MalformedFileError('a pain.001 may not declare a DOCTYPE');
  const wellFormed = XMLValidator.validate(xml);
  if (wellFormed !== true) {
    throw new MalformedFileError(`not well-formed XML (line ${wellFormed.err.line}): ${wellFormed.err.msg}`);
  }
  const document = at(reader.parse(xml), 'Document') as XmlNode | undefined;
  if (!document || rootNamespace(xml) !== PAIN_001_NAMESPACE) {
    throw new MalformedFileError(`not a pain.001.001.10 (expected a Document in ${PAIN_001_NAMESPACE})`);
  }
  const message = at(document, 'CstmrCdtTrfInitn');
  if (!message) throw new MalformedFileError('the file has no CstmrCdtTrfInitn');
  const msgId = text(message, 'GrpHdr', 'MsgId');
  const transfers: ReceivedTransfer[] = [];
  for (const pmtInf of (at(message, 'PmtInf') as XmlNode[] | undefined) ?? []) {
    const paymentInformationId = text(pmtInf, 'PmtInfId');
    const debtorIban = at(pmtInf, 'DbtrAcct', 'Id', 'IBAN');
    const debtorAccount = (
      typeof debtorIban === 'string' ? debtorIban : text(pmtInf, 'DbtrAcct', 'Id', 'Othr', 'Id')
    ).replace(/\s+/g, '');
    const execution = at(pmtInf, 'ReqdExctnDt', 'Dt') ?? at(pmtInf, 'ReqdExctnDt', 'DtTm');
    if (typeof execution !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(execution)) {
      throw new MalformedFileError('the file has no PmtInf/ReqdExctnDt');
    }
    const batchFlag = at(pmtInf, 'BtchBookg');
    const batchBooking = batchFlag === undefined ? undefined : batchFlag === 'true' || batchFlag === '1';
    for (const tx of (at(pmtInf, 'CdtTrfTxInf') as XmlNode[] | undefined) ?? []) {
      const currency = text(tx, 'Amt', 'InstdAmt', '@_Ccy');
      const iban = at(tx, 'CdtrAcct', 'Id', 'IBAN');
      const account = (typeof iban === 'string' ? iban : text(tx, 'CdtrAcct', 'Id', 'Othr', 'Id')).replace(
        /\s+/g,
        '',
      );
      transfers.push({
        paymentInformationId,
        endToEndId: text(tx, 'PmtId', 'EndToEndId'),
        amountMinor: minorUnits(text(tx, 'Amt', 'InstdAmt', '#text'), currency),
        currency,
        account,
        isIban: typeof iban === 'string',
        debtorAccount,
        requestedExecutionDate: execution.slice(0, 10),
        batchBooking,
        instructionId:
          typeof at(tx, 'PmtId', 'InstrId') === 'string' ? (at(tx, 'PmtId', 'InstrId') as string) : undefined,
      });
    }
  }
  if (transfers.length === 0) throw new MalformedFileError('the file has no transfers');
  // The sender's own counts must hold: a file that disagrees with itself is not executed in part.
  const declared = text(message, 'GrpHdr', 'NbOfTxs');
  if (declared !== String(transfers.length)) {
    throw new MalformedFileError(`GrpHdr/NbOfTxs says ${declared}, the file holds ${transfers.length}`);
  }
  const ids = new Set(transfers.map((t) => t.endToEndId));
  if (ids.size !== transfers.length) throw new MalformedFileError('an EndToEndId is twice in the file');
  return { msgId, transfers };
}

/** ISO 13616 check digits (mod 97): a wrong IBAN is an incorrect account (AC01) at the bank. */
export function ibanChecksumOk(iban: string): boolean {
  const s = iban.toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{1,30}$/.test(s)) return false;
  const digits = `${s.slice(4)}${s.slice(0, 4)}`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let rest = 0;
  for (const d of digits) rest = (rest * 10 + Number(d)) % 97;
  return rest === 1;
}
