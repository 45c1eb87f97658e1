import { ErrorCodes } from './domain-error';
import { PayoutMethod } from './payout-method.value-object';
import { expectDomainError } from '../../test/support/expect-domain-error';

const IBAN = 'DE89370400440532013000';
const BIC = 'COBADEFFXXX';

describe('PayoutMethod: bank transfer by IBAN + BIC', () => {
  it('normalises to the electronic format and masks the IBAN as country + check digits + last 4', () => {
    const method = PayoutMethod.create({
      type: 'BANK_TRANSFER',
      iban: 'de89 3704 0044 0532 0130 00',
      bic: 'cobadeffxxx',
      accountHolder: '  Acme GmbH ',
    });
    expect(method.data).toEqual({
      type: 'BANK_TRANSFER',
      scheme: 'IBAN',
      iban: IBAN,
      bic: BIC,
      accountHolder: 'Acme GmbH',
    });
    expect(method.masked()).toEqual({
      type: 'BANK_TRANSFER',
      scheme: 'IBAN',
      iban: 'DE89…3000',
      bic: BIC,
      accountHolder: 'Acme GmbH',
    });
    expect(method.maskedShort()).toBe('****3000');
    expect(JSON.stringify(method.masked())).not.toContain(IBAN);
  });

  it.each([
    ['DE89370400440532013001', 'wrong checksum'],
    ['DE8937040044053201300', 'wrong length for Germany'],
    ['DE89-3704-0044-0532-0130-00', 'dashes are not IBAN separators'],
    ['XX89370400440532013000', 'no such country'],
    ['', 'empty'],
    [42, 'not a string'],
  ])(
    'refuses IBAN %p (%s) with PAYOUT_METHOD.INVALID_IBAN, without the value in details',
    (iban: unknown, _why: string) => {
      const e = expectDomainError(
        () => PayoutMethod.create({ type: 'BANK_TRANSFER', iban, bic: BIC }),
        ErrorCodes.PAYOUT_METHOD_INVALID_IBAN,
      );
      expect(e.details).toBeUndefined();
    },
  );

  it.each(['COBADEF', 'COBA1EFF', 'COBADEFFXX', '', undefined])('refuses BIC %p', (bic) => {
    expectDomainError(
      () => PayoutMethod.create({ type: 'BANK_TRANSFER', iban: IBAN, bic }),
      ErrorCodes.PAYOUT_METHOD_INVALID_BIC,
    );
  });

  it('refuses an empty or overlong account holder', () => {
    for (const accountHolder of ['  ', 'x'.repeat(141)]) {
      expectDomainError(
        () => PayoutMethod.create({ type: 'BANK_TRANSFER', iban: IBAN, bic: BIC, accountHolder }),
        ErrorCodes.PAYOUT_METHOD_INVALID_ACCOUNT_HOLDER,
      );
    }
  });
});

describe('PayoutMethod: bank transfer by local account details', () => {
  it('accepts account number + bank code + ISO country, masked to the last 4', () => {
    const method = PayoutMethod.create({
      type: 'BANK_TRANSFER',
      accountNumber: '000123456789',
      bankCode: '021000021',
      country: 'us',
    });
    expect(method.data).toEqual({
      type: 'BANK_TRANSFER',
      scheme: 'LOCAL',
      accountNumber: '000123456789',
      bankCode: '021000021',
      country: 'US',
      accountHolder: null,
    });
    expect(method.masked()).toMatchObject({
      accountNumber: '****6789',
      bankCode: '021000021',
      country: 'US',
    });
  });

  it.each([
    [{ accountNumber: '12', bankCode: '1', country: 'US' }, ErrorCodes.PAYOUT_METHOD_INVALID_ACCOUNT_NUMBER],
    [{ bankCode: '1', country: 'US' }, ErrorCodes.PAYOUT_METHOD_INVALID_ACCOUNT_NUMBER],
    [{ accountNumber: '123456', bankCode: '', country: 'US' }, ErrorCodes.PAYOUT_METHOD_INVALID_BANK_CODE],
    [{ accountNumber: '123456', bankCode: '12!', country: 'US' }, ErrorCodes.PAYOUT_METHOD_INVALID_BANK_CODE],
    [{ accountNumber: '123456', bankCode: '1', country: 'XX' }, ErrorCodes.PAYOUT_METHOD_INVALID_COUNTRY],
    [{ accountNumber: '123456', bankCode: '1', country: 'USA' }, ErrorCodes.PAYOUT_METHOD_INVALID_COUNTRY],
    [{ accountNumber: '123456', bankCode: '1' }, ErrorCodes.PAYOUT_METHOD_INVALID_COUNTRY],
  ])('refuses %p', (fields, code) => {
    expectDomainError(() => PayoutMethod.create({ type: 'BANK_TRANSFER', ...fields }), code);
  });
});

describe('PayoutMethod: Stripe Connect', () => {
  it('accepts acct_ ids and masks all but the last 4', () => {
    const method = PayoutMethod.create({ type: 'STRIPE_CONNECT', accountId: 'acct_1Nv0FGQ9RKHgCVdK' });
    expect(method.data).toEqual({ type: 'STRIPE_CONNECT', accountId: 'acct_1Nv0FGQ9RKHgCVdK' });
    expect(method.masked()).toEqual({ type: 'STRIPE_CONNECT', accountId: 'acct_…CVdK' });
    expect(method.maskedShort()).toBe('****CVdK');
  });

  it.each(['acct_', 'acc_123', 'acct_12-3', `acct_${'a'.repeat(65)}`, 'ACCT_123', '', null])(
    'refuses %p',
    (accountId) => {
      expectDomainError(
        () => PayoutMethod.create({ type: 'STRIPE_CONNECT', accountId }),
        ErrorCodes.PAYOUT_METHOD_INVALID_STRIPE_ACCOUNT,
      );
    },
  );
});

describe('PayoutMethod: general', () => {
  it.each([undefined, null, 'BANK_TRANSFER', {}, { type: 'PAYPAL' }])('refuses %p as a method', (raw) => {
    expectDomainError(() => PayoutMethod.create(raw), ErrorCodes.PAYOUT_METHOD_INVALID_TYPE);
  });

  it('compares by value and round-trips through its data', () => {
    const a = PayoutMethod.create({
      type: 'BANK_TRANSFER',
      iban: `${IBAN.slice(0, 4)} ${IBAN.slice(4)}`,
      bic: BIC,
    });
    const b = PayoutMethod.fromData(a.data);
    expect(a.equals(b)).toBe(true);
    expect(a.equals(PayoutMethod.create({ type: 'STRIPE_CONNECT', accountId: 'acct_1' }))).toBe(false);
    expect(
      PayoutMethod.fromData({ type: 'BANK_TRANSFER', scheme: 'LEGACY', account: '0012345678' }).masked(),
    ).toEqual({
      type: 'BANK_TRANSFER',
      scheme: 'LEGACY',
      account: '****5678',
    });
  });
});
