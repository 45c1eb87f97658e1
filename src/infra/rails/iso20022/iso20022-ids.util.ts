import { nameBasedUuid } from '../../../shared/name-based-uuid';
import { BankFileErrorCodes, bankFileError } from './bank-file.errors';

/**
 * The identifiers of our bank files. All are deterministic — the same payment or batch always
 * gets the same id — so a file built again after a crash is the same file, and the transport can
 * refuse a second submission of a MsgId.
 *
 *  - EndToEndId: the payment's UUID as its 32 lower-case hex digits (ISO's Max35Text cannot hold
 *    the 36 characters of a UUID with hyphens). It travels to the beneficiary's bank and comes
 *    back in pain.002, camt.054 returns and camt.053 statements, so it maps back to the payment.
 *  - InstrId: the same value (our bank sees one instruction per payment).
 *  - MsgId: a name-based hash (shared/name-based-uuid) of the debtor account, currency, execution
 *    date and the sorted payment ids, as 32 hex digits.
 *  - PmtInfId: the MsgId and the batch's position in the file ("<MsgId>-1": a file has one batch).
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX32 = /^[0-9a-f]{32}$/i;

/** A payment id as a lower-case UUID; refuses anything that is not one. */
export function normalisePaymentId(paymentId: string, field = 'paymentId'): string {
  if (typeof paymentId !== 'string' || !UUID.test(paymentId)) {
    throw bankFileError(BankFileErrorCodes.INVALID_PAYMENT_ID, `${field} must be a UUID`, {
      field,
      value: String(paymentId),
    });
  }
  return paymentId.toLowerCase();
}

export const endToEndIdOf = (paymentId: string): string => normalisePaymentId(paymentId).replace(/-/g, '');

/** The payment an EndToEndId names, or null when it is not one of ours (32 hex digits). */
export function paymentIdOfEndToEndId(endToEndId: string): string | null {
  if (!HEX32.test(endToEndId)) return null;
  const h = endToEndId.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export interface BatchIdentity {
  /** The debtor's IBAN in electronic format (no spaces, upper case). */
  debtorIban: string;
  currency: string;
  /** YYYY-MM-DD */
  requestedExecutionDate: string;
  /** Normalised payment ids, in any order. */
  paymentIds: readonly string[];
}

export function messageIdOf(batch: BatchIdentity): string {
  const name = JSON.stringify([
    batch.debtorIban,
    batch.currency,
    batch.requestedExecutionDate,
    [...batch.paymentIds].sort(),
  ]);
  return nameBasedUuid('iso20022/pain.001/MsgId', name).replace(/-/g, '');
}

/** The n-th (1-based) PmtInf of a message. */
export const paymentInformationIdOf = (messageId: string, position = 1): string => `${messageId}-${position}`;
