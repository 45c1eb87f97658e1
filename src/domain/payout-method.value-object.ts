import { countrySpecs, isValidBIC, isValidIBAN } from 'ibantools';
import { DomainError, ErrorCodes } from './domain-error';
import { codePointLength } from './text-length.util';

export const PAYOUT_METHOD_TYPES = ['BANK_TRANSFER', 'STRIPE_CONNECT'] as const;
export type PayoutMethodType = (typeof PAYOUT_METHOD_TYPES)[number];

export const ACCOUNT_HOLDER_MAX_LENGTH = 140; // pain.001's Cdtr/Nm (Max140Text)

/**
 * A payout method as stored (full values: sensitive, like partners.payout_account). `LEGACY` is the
 * partner's single payout account from before methods existed, seen as a bank transfer: it is never
 * created from input, only derived (see `fromLegacyAccount`).
 */
export type PayoutMethodData =
  | { type: 'BANK_TRANSFER'; scheme: 'IBAN'; iban: string; bic: string; accountHolder: string | null }
  | {
      type: 'BANK_TRANSFER';
      scheme: 'LOCAL';
      accountNumber: string;
      bankCode: string;
      country: string;
      accountHolder: string | null;
    }
  | { type: 'BANK_TRANSFER'; scheme: 'LEGACY'; account: string }
  | { type: 'STRIPE_CONNECT'; accountId: string };

/** What leaves the API, the logs and the events: the same shape, no full account number or id. */
export type MaskedPayoutMethod = PayoutMethodData;

const STRIPE_ACCOUNT = /^acct_[A-Za-z0-9]{1,64}$/;
const LOCAL_ACCOUNT_NUMBER = /^[0-9A-Z]{4,34}$/; // BBAN-sized: the longest account an IBAN can carry
const BANK_CODE = /^[0-9A-Z]{1,15}$/; // sort codes, routing numbers, BLZ… (separators removed)

const fail = (code: string, message: string): DomainError =>
  // Never the raw value in details: it is sensitive banking data.
  new DomainError(code, message);

const compact = (raw: unknown, separators: RegExp): string | null =>
  typeof raw === 'string' ? raw.replace(separators, '').toUpperCase() : null;

const last4 = (value: string): string => value.slice(-4);

function validHolder(raw: unknown): string | null {
  if (raw === undefined || raw === null) return null;
  const holder = typeof raw === 'string' ? raw.trim() : '';
  const length = codePointLength(holder);
  if (length < 1 || length > ACCOUNT_HOLDER_MAX_LENGTH) {
    throw fail(
      ErrorCodes.PAYOUT_METHOD_INVALID_ACCOUNT_HOLDER,
      `Account holder must be 1..${ACCOUNT_HOLDER_MAX_LENGTH} characters`,
    );
  }
  return holder;
}

/** IBAN check and BIC syntax come from ibantools (maintained, per-country BBAN rules), never our own. */
function validIban(raw: unknown): string {
  // Spaces are how IBANs are printed; anything else (dashes, dots) is a typo, not a separator.
  const iban = compact(raw, /\s+/g);
  if (!iban || !isValidIBAN(iban)) throw fail(ErrorCodes.PAYOUT_METHOD_INVALID_IBAN, 'IBAN is not valid');
  return iban;
}

function validBic(raw: unknown): string {
  const bic = compact(raw, /\s+/g);
  if (!bic || !isValidBIC(bic)) throw fail(ErrorCodes.PAYOUT_METHOD_INVALID_BIC, 'BIC is not valid');
  return bic;
}

/** ISO 3166-1 alpha-2, from ibantools' country table (every assigned code, IBAN country or not). */
export const isIsoCountry = (code: string): boolean =>
  /^[A-Z]{2}$/.test(code) && Object.prototype.hasOwnProperty.call(countrySpecs, code);

/** How a partner is paid in one currency: a bank transfer (IBAN+BIC or local details) or a Stripe Connect account. */
export class PayoutMethod {
  private constructor(readonly data: Readonly<PayoutMethodData>) {
    Object.freeze(this);
  }

  /**
   * From untrusted input (API bodies): every field checked, values normalised (upper case, no
   * spaces). The kind of bank transfer follows from the fields given: `iban` or `accountNumber`.
   */
  static create(raw: unknown): PayoutMethod {
    const input = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    if (input.type === 'STRIPE_CONNECT') {
      const accountId = typeof input.accountId === 'string' ? input.accountId.trim() : '';
      if (!STRIPE_ACCOUNT.test(accountId)) {
        throw fail(
          ErrorCodes.PAYOUT_METHOD_INVALID_STRIPE_ACCOUNT,
          'A Stripe Connect account id is acct_ followed by 1..64 letters and digits',
        );
      }
      return new PayoutMethod({ type: 'STRIPE_CONNECT', accountId });
    }
    if (input.type !== 'BANK_TRANSFER') {
      throw fail(
        ErrorCodes.PAYOUT_METHOD_INVALID_TYPE,
        `A payout method's type is one of ${PAYOUT_METHOD_TYPES.join(', ')}`,
      );
    }
    const accountHolder = validHolder(input.accountHolder);
    if (input.iban !== undefined) {
      return new PayoutMethod({
        type: 'BANK_TRANSFER',
        scheme: 'IBAN',
        iban: validIban(input.iban),
        bic: validBic(input.bic),
        accountHolder,
      });
    }
    const accountNumber = compact(input.accountNumber, /[\s-]+/g);
    if (!accountNumber || !LOCAL_ACCOUNT_NUMBER.test(accountNumber)) {
      throw fail(
        ErrorCodes.PAYOUT_METHOD_INVALID_ACCOUNT_NUMBER,
        'A bank transfer needs an IBAN, or an account number of 4..34 letters and digits',
      );
    }
    const bankCode = compact(input.bankCode, /[\s-]+/g);
    if (!bankCode || !BANK_CODE.test(bankCode)) {
      throw fail(ErrorCodes.PAYOUT_METHOD_INVALID_BANK_CODE, 'Bank code must be 1..15 letters and digits');
    }
    const country = typeof input.country === 'string' ? input.country.trim().toUpperCase() : '';
    if (!isIsoCountry(country)) {
      throw fail(ErrorCodes.PAYOUT_METHOD_INVALID_COUNTRY, 'Country must be an ISO 3166-1 alpha-2 code');
    }
    return new PayoutMethod({
      type: 'BANK_TRANSFER',
      scheme: 'LOCAL',
      accountNumber,
      bankCode,
      country,
      accountHolder,
    });
  }

  /** The partner's single legacy payout account (already validated by PayoutAccount), as a bank transfer. */
  static fromLegacyAccount(account: string): PayoutMethod {
    return new PayoutMethod({ type: 'BANK_TRANSFER', scheme: 'LEGACY', account });
  }

  /** From storage: re-validated, so a bad row fails loudly rather than paying somewhere odd. */
  static fromData(data: PayoutMethodData): PayoutMethod {
    if (data.type === 'BANK_TRANSFER' && data.scheme === 'LEGACY')
      return PayoutMethod.fromLegacyAccount(data.account);
    return PayoutMethod.create(data);
  }

  get type(): PayoutMethodType {
    return this.data.type;
  }

  /** Safe to show: IBAN as country + check digits + …last 4, account numbers and ids as their last 4. */
  masked(): MaskedPayoutMethod {
    const d = this.data;
    if (d.type === 'STRIPE_CONNECT')
      return { type: d.type, accountId: `acct_…${last4(d.accountId.slice(5))}` };
    if (d.scheme === 'IBAN') return { ...d, iban: `${d.iban.slice(0, 4)}…${last4(d.iban)}` };
    if (d.scheme === 'LOCAL') return { ...d, accountNumber: `****${last4(d.accountNumber)}` };
    return { ...d, account: `****${last4(d.account)}` };
  }

  /** `****` and the last four characters: the form partner notices and the legacy account use. */
  maskedShort(): string {
    return `****${last4(this.account())}`;
  }

  /** The one value a rail addresses (sensitive): the IBAN, the account number, the account id. */
  account(): string {
    const d = this.data;
    return d.type === 'STRIPE_CONNECT'
      ? d.accountId
      : d.scheme === 'IBAN'
        ? d.iban
        : d.scheme === 'LOCAL'
          ? d.accountNumber
          : d.account;
  }

  equals(other: PayoutMethod): boolean {
    return JSON.stringify(this.data) === JSON.stringify(other.data);
  }
}
