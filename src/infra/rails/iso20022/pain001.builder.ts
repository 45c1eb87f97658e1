import { XMLBuilder } from 'fast-xml-parser';
import { Currency } from '../../../domain/currency.value-object';
import { BankFileErrorCodes, bankFileError } from './bank-file.errors';
import { checkedBic, checkedIban, checkedLocalAccount } from './iso-account.util';
import { assertIsoAmount, minorToDecimal, parseMinorUnits } from './iso-amount.util';
import { endToEndIdOf, messageIdOf, normalisePaymentId, paymentInformationIdOf } from './iso20022-ids.util';
import { isoText } from './iso-text.util';

/**
 * pain.001.001.10 (CustomerCreditTransferInitiationV10): one batch of credit transfers from one
 * debtor account, in one currency, for one execution date → one file with one PmtInf. The document
 * is a pure function of its input (the creation time included), so building it again gives the
 * same bytes and the same MsgId. Ids: iso20022-ids.util.ts; amounts: iso-amount.util.ts.
 */

export const PAIN_001_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.10';
export const PAIN_001_MESSAGE_NAME = 'pain.001.001.10';

export type CreditorAccount = { iban: string } | { number: string };

export interface Pain001Transfer {
  /** The payment's UUID: its 32 hex digits are the EndToEndId. */
  paymentId: string;
  /** Integer minor units of the batch's currency (bigint or a string of digits). */
  amountMinor: bigint | string;
  creditor: {
    name: string;
    account: CreditorAccount;
    /** The creditor's bank. Optional with an IBAN (IBAN-only SEPA), required with a local account. */
    bic?: string;
  };
  /** Structured remittance: the statement's reference (CdtrRefInf/Ref, type SCOR), ≤ 35 characters. */
  remittanceReference: string;
}

export interface Pain001Batch {
  debtor: { name: string; iban: string; bic: string };
  /** ISO 4217; its minor-unit digits come from the domain's ISO table (JPY 0, EUR 2, KWD 3). */
  currency: string;
  /** YYYY-MM-DD (PmtInf/ReqdExctnDt/Dt). */
  requestedExecutionDate: string;
  /** GrpHdr/CreDtTm: given, not read from a clock, so the same batch always gives the same file. */
  createdAt: Date | string;
  /** PmtTpInf/SvcLvl/Cd when the rail needs one (e.g. "SEPA"). */
  serviceLevel?: string;
  transfers: readonly Pain001Transfer[];
}

export interface Pain001Transaction {
  paymentId: string;
  endToEndId: string;
  instructionId: string;
  amountMinor: bigint;
  /** As written in the file ("15050.00"). */
  amount: string;
}

export interface Pain001File {
  xml: string;
  messageId: string;
  paymentInformationId: string;
  currency: string;
  numberOfTransactions: number;
  controlSumMinor: bigint;
  /** As written in the file, at group and PmtInf level alike. */
  controlSum: string;
  transactions: Pain001Transaction[];
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  format: true,
  indentBy: '  ',
  suppressEmptyNode: false,
});

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function checkedDate(value: string, field: string): string {
  const m = typeof value === 'string' ? ISO_DATE.exec(value) : null;
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!d || d.toISOString().slice(0, 10) !== value) {
    throw bankFileError(BankFileErrorCodes.INVALID_DATE, `${field} must be a date (YYYY-MM-DD)`, {
      field,
      value: String(value),
    });
  }
  return value;
}

/** xs:dateTime in UTC to the second ("2025-03-01T06:00:00Z"). */
function checkedDateTime(value: Date | string, field: string): string {
  const d = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : null;
  if (!d || Number.isNaN(d.getTime())) {
    throw bankFileError(BankFileErrorCodes.INVALID_DATE, `${field} must be a date and time`, {
      field,
      value: String(value),
    });
  }
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const agent = (bic: string) => ({ FinInstnId: { BICFI: bic } });

function creditorAccount(account: CreditorAccount, field: string) {
  if ('iban' in account) return { Id: { IBAN: checkedIban(account.iban, `${field}.iban`) } };
  return { Id: { Othr: { Id: checkedLocalAccount(account.number, `${field}.number`) } } };
}

export function buildPain001(batch: Pain001Batch): Pain001File {
  const currency = Currency.of(batch.currency);
  const debtorName = isoText(batch.debtor.name, 140, 'debtor.name');
  const debtorIban = checkedIban(batch.debtor.iban, 'debtor.iban');
  const debtorBic = checkedBic(batch.debtor.bic, 'debtor.bic');
  const executionDate = checkedDate(batch.requestedExecutionDate, 'requestedExecutionDate');
  const createdAt = checkedDateTime(batch.createdAt, 'createdAt');
  if (batch.serviceLevel !== undefined && !/^[A-Z0-9]{1,4}$/.test(batch.serviceLevel)) {
    throw bankFileError(BankFileErrorCodes.INVALID_TEXT, 'serviceLevel must be an ISO service level code', {
      field: 'serviceLevel',
      value: batch.serviceLevel,
    });
  }
  if (batch.transfers.length === 0) {
    throw bankFileError(BankFileErrorCodes.EMPTY_BATCH, 'a batch needs at least one transfer');
  }

  const seen = new Set<string>();
  let controlSumMinor = 0n;
  const transactions: Pain001Transaction[] = [];
  const transferElements = batch.transfers.map((t, i) => {
    const field = `transfers[${i}]`;
    const paymentId = normalisePaymentId(t.paymentId, `${field}.paymentId`);
    if (seen.has(paymentId)) {
      throw bankFileError(
        BankFileErrorCodes.DUPLICATE_PAYMENT,
        `payment ${paymentId} is twice in the batch`,
        {
          field: `${field}.paymentId`,
          paymentId,
        },
      );
    }
    seen.add(paymentId);
    const amountMinor = parseMinorUnits(t.amountMinor, `${field}.amountMinor`);
    controlSumMinor = assertIsoAmount(controlSumMinor + amountMinor, 'controlSum');
    const amount = minorToDecimal(amountMinor, currency.minorDigits);
    const endToEndId = endToEndIdOf(paymentId);
    const account = 'iban' in t.creditor.account ? 'iban' : 'number';
    if (account === 'number' && t.creditor.bic === undefined) {
      throw bankFileError(BankFileErrorCodes.INVALID_BIC, 'a local account number needs its bank BIC', {
        field: `${field}.creditor.bic`,
        value: null,
      });
    }
    const bic =
      t.creditor.bic === undefined ? undefined : checkedBic(t.creditor.bic, `${field}.creditor.bic`);
    transactions.push({ paymentId, endToEndId, instructionId: endToEndId, amountMinor, amount });
    return {
      PmtId: { InstrId: endToEndId, EndToEndId: endToEndId },
      Amt: { InstdAmt: { '@_Ccy': currency.code, '#text': amount } },
      ...(bic === undefined ? {} : { CdtrAgt: agent(bic) }),
      Cdtr: { Nm: isoText(t.creditor.name, 140, `${field}.creditor.name`) },
      CdtrAcct: creditorAccount(t.creditor.account, `${field}.creditor.account`),
      RmtInf: {
        Strd: {
          CdtrRefInf: {
            Tp: { CdOrPrtry: { Cd: 'SCOR' } },
            Ref: isoText(t.remittanceReference, 35, `${field}.remittanceReference`),
          },
        },
      },
    };
  });

  const messageId = messageIdOf({
    debtorIban,
    currency: currency.code,
    requestedExecutionDate: executionDate,
    paymentIds: [...seen],
  });
  const paymentInformationId = paymentInformationIdOf(messageId);
  const numberOfTransactions = transactions.length;
  const controlSum = minorToDecimal(controlSumMinor, currency.minorDigits);

  const document = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    Document: {
      '@_xmlns': PAIN_001_NAMESPACE,
      CstmrCdtTrfInitn: {
        GrpHdr: {
          MsgId: messageId,
          CreDtTm: createdAt,
          NbOfTxs: String(numberOfTransactions),
          CtrlSum: controlSum,
          InitgPty: { Nm: debtorName },
        },
        PmtInf: {
          PmtInfId: paymentInformationId,
          PmtMtd: 'TRF',
          NbOfTxs: String(numberOfTransactions),
          CtrlSum: controlSum,
          ...(batch.serviceLevel === undefined ? {} : { PmtTpInf: { SvcLvl: { Cd: batch.serviceLevel } } }),
          ReqdExctnDt: { Dt: executionDate },
          Dbtr: { Nm: debtorName },
          DbtrAcct: { Id: { IBAN: debtorIban } },
          DbtrAgt: agent(debtorBic),
          CdtTrfTxInf: transferElements,
        },
      },
    },
  };

  return {
    xml: builder.build(document) as string,
    messageId,
    paymentInformationId,
    currency: currency.code,
    numberOfTransactions,
    controlSumMinor,
    controlSum,
    transactions,
  };
}
