import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { nameBasedUuid } from '../shared/name-based-uuid';

/**
 * The sandbox bank's side of ISO 20022 files: the pain.002.001.11 status report it sends back for
 * a pain.001.001.10 it received — every transaction accepted, or the chosen ones rejected with an
 * ISO reason code. It reads the pain.001 on its own (another system: it shares no code with our
 * builder); checking the file against the XSD comes first and is not done here.
 */

export const PAIN_002_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:pain.002.001.11';

/** ExternalStatusReason1Code values the bank can give a rejected transaction, with their ISO names. */
export const REJECT_REASONS = {
  AC01: 'Incorrect account number',
  AC04: 'Closed account number',
  AC06: 'Blocked account',
  AG01: 'Transaction forbidden',
  AM04: 'Insufficient funds',
  // A transfer already booked from an earlier file (its EndToEndId): never paid twice.
  AM05: 'Duplication',
  BE04: 'Missing creditor address',
  MD07: 'End customer deceased',
  MS03: 'Reason not specified',
} as const;
export type RejectReason = keyof typeof REJECT_REASONS;

export interface Pain002Request {
  /** The pain.001.001.10 the report answers (already schema-checked). */
  pain001: string;
  /** GrpHdr/CreDtTm of the report. */
  createdAt: Date | string;
  /** Transactions to reject, by EndToEndId, with their reason; every other one is accepted. */
  reject?: Readonly<Record<string, RejectReason>>;
  /** The status of an accepted transaction: ACCP (accepted, the default) or ACSC (settled). */
  acceptStatus?: 'ACCP' | 'ACSC';
}

export interface Pain002Report {
  xml: string;
  messageId: string;
  originalMessageId: string;
  groupStatus: 'ACCP' | 'ACSC' | 'PART' | 'RJCT';
  transactions: Array<{
    paymentInformationId: string;
    endToEndId: string;
    status: 'ACCP' | 'ACSC' | 'RJCT';
    reason: RejectReason | null;
  }>;
}

type XmlNode = Record<string, unknown>;

const reader = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => name === 'PmtInf' || name === 'CdtTrfTxInf',
});

const writer = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  format: true,
  indentBy: '  ',
});

const str = (node: unknown, ...path: string[]): string => {
  let v: unknown = node;
  for (const p of path) v = typeof v === 'object' && v !== null ? (v as XmlNode)[p] : undefined;
  if (typeof v !== 'string' || v === '') throw new Error(`the pain.001 has no ${path.join('/')}`);
  return v;
};
const optional = (node: unknown, ...path: string[]): string | undefined => {
  try {
    return str(node, ...path);
  } catch {
    return undefined;
  }
};

/** `{ [name]: value }`, or nothing when the pain.001 did not carry the value. */
const when = (name: string, value: string | undefined): XmlNode =>
  value === undefined ? {} : { [name]: value };

const levelStatus = (statuses: string[], accept: string): Pain002Report['groupStatus'] =>
  statuses.every((s) => s === 'RJCT')
    ? 'RJCT'
    : statuses.some((s) => s === 'RJCT')
      ? 'PART'
      : (accept as 'ACCP' | 'ACSC');

export function buildPain002(request: Pain002Request): Pain002Report {
  const accept = request.acceptStatus ?? 'ACCP';
  const reject = request.reject ?? {};
  const initiation = (reader.parse(request.pain001) as XmlNode).Document as XmlNode | undefined;
  const message = initiation?.CstmrCdtTrfInitn as XmlNode | undefined;
  if (!message) throw new Error('not a pain.001: no Document/CstmrCdtTrfInitn');
  const originalMessageId = str(message, 'GrpHdr', 'MsgId');

  const transactions: Pain002Report['transactions'] = [];
  const pmtInfs = (message.PmtInf as XmlNode[] | undefined) ?? [];
  const pmtInfStatuses = pmtInfs.map((p) => {
    const paymentInformationId = str(p, 'PmtInfId');
    const txs = ((p.CdtTrfTxInf as XmlNode[] | undefined) ?? []).map((t) => {
      const endToEndId = str(t, 'PmtId', 'EndToEndId');
      const reason = Object.hasOwn(reject, endToEndId) ? (reject[endToEndId] as RejectReason) : null;
      const status = reason ? ('RJCT' as const) : accept;
      transactions.push({ paymentInformationId, endToEndId, status, reason });
      return {
        ...when('OrgnlInstrId', optional(t, 'PmtId', 'InstrId')),
        OrgnlEndToEndId: endToEndId,
        TxSts: status,
        ...(reason ? { StsRsnInf: { Rsn: { Cd: reason }, AddtlInf: REJECT_REASONS[reason] } } : {}),
      };
    });
    const status = levelStatus(
      txs.map((t) => t.TxSts),
      accept,
    );
    return {
      status,
      element: {
        OrgnlPmtInfId: paymentInformationId,
        ...when('OrgnlNbOfTxs', optional(p, 'NbOfTxs')),
        ...when('OrgnlCtrlSum', optional(p, 'CtrlSum')),
        PmtInfSts: status,
        TxInfAndSts: txs,
      },
    };
  });
  const unknown = Object.keys(reject).filter((id) => !transactions.some((t) => t.endToEndId === id));
  if (unknown.length > 0)
    throw new Error(`no transaction ${unknown.join(', ')} in pain.001 ${originalMessageId}`);
  if (transactions.length === 0) throw new Error(`pain.001 ${originalMessageId} has no transactions`);

  const groupStatus = levelStatus(
    transactions.map((t) => t.status),
    accept,
  );
  // The same answer to the same file has the same MsgId: a duplicate report is recognisable.
  const messageId = nameBasedUuid(
    'sandbox-bank/pain.002/MsgId',
    JSON.stringify([originalMessageId, transactions.map((t) => [t.endToEndId, t.status, t.reason])]),
  ).replace(/-/g, '');
  const createdAt = new Date(request.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z');

  const document = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    Document: {
      '@_xmlns': PAIN_002_NAMESPACE,
      CstmrPmtStsRpt: {
        GrpHdr: { MsgId: messageId, CreDtTm: createdAt },
        OrgnlGrpInfAndSts: {
          OrgnlMsgId: originalMessageId,
          OrgnlMsgNmId: 'pain.001.001.10',
          ...when('OrgnlCreDtTm', optional(message, 'GrpHdr', 'CreDtTm')),
          OrgnlNbOfTxs: str(message, 'GrpHdr', 'NbOfTxs'),
          ...when('OrgnlCtrlSum', optional(message, 'GrpHdr', 'CtrlSum')),
          GrpSts: groupStatus,
        },
        OrgnlPmtInfAndSts: pmtInfStatuses.map((p) => p.element),
      },
    },
  };
  return {
    xml: writer.build(document) as string,
    messageId,
    originalMessageId,
    groupStatus,
    transactions,
  };
}
