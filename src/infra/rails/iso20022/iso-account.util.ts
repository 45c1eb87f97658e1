import { electronicFormatIBAN, isValidBIC, isValidIBAN } from 'ibantools';
import { BankFileErrorCodes, bankFileError, maskAccount } from './bank-file.errors';

/**
 * Accounts and agents, checked by ibantools (checksums, per-country lengths and BBAN formats,
 * ISO 9362 BICs) — never by a hand-written check. Error details name the field and show the
 * account masked, as every response of this service does.
 */

/** An IBAN in electronic format ("DE89370400440532013000"), from any spacing or case. */
export function checkedIban(value: string, field: string): string {
  const iban = typeof value === 'string' ? electronicFormatIBAN(value) : null;
  if (!iban || !isValidIBAN(iban)) {
    throw bankFileError(BankFileErrorCodes.INVALID_IBAN, `${field} is not a valid IBAN`, {
      field,
      value: typeof value === 'string' ? maskAccount(value) : null,
    });
  }
  return iban;
}

/** A BIC (8 or 11 characters) in upper case. */
export function checkedBic(value: string, field: string): string {
  const bic = typeof value === 'string' ? value.replace(/\s+/g, '').toUpperCase() : '';
  if (!isValidBIC(bic)) {
    throw bankFileError(BankFileErrorCodes.INVALID_BIC, `${field} is not a valid BIC`, {
      field,
      value: typeof value === 'string' ? value : null,
    });
  }
  return bic;
}

/** A local (non-IBAN) account number: ISO's GenericAccountIdentification1/Id is Max34Text. */
export function checkedLocalAccount(value: string, field: string): string {
  const account = typeof value === 'string' ? value.replace(/\s+/g, '') : '';
  if (!/^[A-Za-z0-9/\-?:().,'+]{1,34}$/.test(account)) {
    throw bankFileError(
      BankFileErrorCodes.INVALID_ACCOUNT,
      `${field} must be 1 to 34 letters, digits or / - ? : ( ) . , ' +`,
      { field, value: typeof value === 'string' ? maskAccount(value) : null },
    );
  }
  return account;
}
