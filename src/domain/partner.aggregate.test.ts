import { type DomainError, ErrorCodes } from './domain-error';
import { Partner, type PartnerSnapshot, PayoutAccount } from './partner.aggregate';
import { expectDomainError } from '../../test/support/expect-domain-error';

const T0 = new Date('2024-01-01T00:00:00.000Z');
const T1 = new Date('2024-02-01T00:00:00.000Z');

/** Independent reference implementation (BigInt) to cross-check the IBAN validation (ibantools). */
const ibanMod97 = (iban: string): bigint => {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  const numeric = [...rearranged].map((c) => (/[A-Z]/.test(c) ? String(c.charCodeAt(0) - 55) : c)).join('');
  return BigInt(numeric) % 97n;
};

describe('PayoutAccount', () => {
  it.each([
    ['GB82 WEST 1234 5698 7654 32', 'GB82WEST12345698765432'],
    ['DE89370400440532013000', 'DE89370400440532013000'],
    ['de89 3704 0044 0532 0130 00', 'DE89370400440532013000'],
    ['NL91ABNA0417164300', 'NL91ABNA0417164300'],
    ['NO9386011117947', 'NO9386011117947'], // 15 chars, the shortest IBAN
    ['MT84MALT011000012345MTLCAST001S', 'MT84MALT011000012345MTLCAST001S'],
    ['LC55HEMM000100010012001200023015', 'LC55HEMM000100010012001200023015'], // 32 chars
    ['FR14 2004 1010 0505 0001 3M02 606', 'FR1420041010050500013M02606'],
  ])('accepts IBAN %p', (raw, normalised) => {
    const account = PayoutAccount.create(raw);
    expect(account.kind).toBe('IBAN');
    expect(account.value).toBe(normalised);
    expect(ibanMod97(normalised)).toBe(1n);
    expect(account.masked()).toBe(`****${normalised.slice(-4)}`);
  });

  it.each([
    ['GB82WEST12345698765433', 'wrong check (last digit changed)'],
    ['GB83WEST12345698765432', 'wrong check digits'],
    ['DE89370400440532013001', 'wrong check'],
    ['GB82WEST', 'too short'],
    ['AB12', 'too short'],
    ['NO938601111794', '14 chars'],
    [`GB82${'1'.repeat(31)}`, '35 chars'],
    ['GB82-WEST-1234-5698-7654-32', 'dashes are not IBAN separators'],
    ['GB82WEST1234569876543!', 'illegal character'],
  ])('rejects IBAN-looking %p (%s)', (raw) => {
    const e = expectDomainError(() => PayoutAccount.create(raw), ErrorCodes.PARTNER_INVALID_PAYOUT_ACCOUNT);
    expect(JSON.stringify(e.details ?? {})).not.toContain(raw); // no banking data in error details
  });

  it('the checksum agrees with the BigInt reference on mutated IBANs', () => {
    const base = 'GB82WEST12345698765432';
    for (let i = 4; i < base.length; i++) {
      const digit = base[i] as string;
      if (!/\d/.test(digit)) continue;
      const mutated = base.slice(0, i) + String((Number(digit) + 1) % 10) + base.slice(i + 1);
      const valid = ibanMod97(mutated) === 1n;
      if (valid) expect(PayoutAccount.create(mutated).kind).toBe('IBAN');
      else expectDomainError(() => PayoutAccount.create(mutated), ErrorCodes.PARTNER_INVALID_PAYOUT_ACCOUNT);
    }
  });

  it.each([
    ['123456', '123456'],
    ['12345678901234567890', '12345678901234567890'],
    ['123-456-789', '123456789'],
    [' 0012 3456 78 ', '0012345678'],
  ])('accepts account number %p', (raw, value) => {
    const account = PayoutAccount.create(raw);
    expect(account.kind).toBe('ACCOUNT_NUMBER');
    expect(account.value).toBe(value);
    expect(account.masked()).toBe(`****${value.slice(-4)}`);
  });

  it.each([
    '12345',
    '123456789012345678901',
    '',
    '   ',
    'abc123456',
    '12345a',
    '12.345.678',
    'X1234567',
    42 as unknown as string,
  ])('rejects %p', (raw) => {
    expectDomainError(() => PayoutAccount.create(raw), ErrorCodes.PARTNER_INVALID_PAYOUT_ACCOUNT);
  });

  it('compares by value', () => {
    expect(
      PayoutAccount.create('GB82 WEST 1234 5698 7654 32').equals(
        PayoutAccount.create('GB82WEST12345698765432'),
      ),
    ).toBe(true);
    expect(PayoutAccount.create('123456').equals(PayoutAccount.create('1234567'))).toBe(false);
  });
});

const createProps = () => ({
  id: 'partner-1',
  name: '  Acme Affiliates  ',
  email: ' payouts@acme.example.com ',
  payoutAccount: 'GB82 WEST 1234 5698 7654 32',
  webhookUrl: 'https://hooks.acme.example.com/payments',
  now: T0,
});

describe('Partner.create', () => {
  it('creates an ACTIVE partner with normalised fields', () => {
    const partner = Partner.create(createProps());
    expect(partner.id).toBe('partner-1');
    expect(partner.status).toBe('ACTIVE');
    expect(partner.toSnapshot()).toEqual({
      id: 'partner-1',
      name: 'Acme Affiliates',
      email: 'payouts@acme.example.com',
      payoutAccount: 'GB82WEST12345698765432',
      webhookUrl: 'https://hooks.acme.example.com/payments',
      status: 'ACTIVE',
      payoutHold: null,
      pendingAccountChange: null,
      createdAt: T0.toISOString(),
      updatedAt: T0.toISOString(),
      version: 1,
    });
  });

  it('defaults the webhook to null', () => {
    const { webhookUrl: _omit, ...props } = createProps();
    expect(Partner.create(props).toSnapshot().webhookUrl).toBeNull();
    expect(Partner.create({ ...props, webhookUrl: null }).toSnapshot().webhookUrl).toBeNull();
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['201 characters', 'n'.repeat(201)],
    ['not a string', undefined as unknown as string],
  ])('rejects a name that is %s', (_label, name) => {
    expectDomainError(() => Partner.create({ ...createProps(), name }), ErrorCodes.PARTNER_INVALID_NAME);
  });

  it('accepts a 200-character name', () => {
    expect(Partner.create({ ...createProps(), name: 'n'.repeat(200) }).toSnapshot().name).toHaveLength(200);
  });

  it.each([
    'a@b.co',
    'first.last+tag@sub.example.org',
    "o'brien@example.ie",
    'USER@EXAMPLE.COM',
    'x@xn--bcher-kva.example',
  ])('accepts email %p', (email) => {
    expect(Partner.create({ ...createProps(), email }).toSnapshot().email).toBe(email);
  });

  it.each([
    '',
    'plain',
    '@example.com',
    'user@',
    'user@localhost',
    'user@@example.com',
    'us er@example.com',
    'user@exa mple.com',
    '.user@example.com',
    'user.@example.com',
    'us..er@example.com',
    'user@-example.com',
    'user@example-.com',
    'user@example..com',
    `${'a'.repeat(65)}@example.com`,
    `a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(63)}.com`,
    42 as unknown as string,
  ])('rejects email %p', (email) => {
    expectDomainError(() => Partner.create({ ...createProps(), email }), ErrorCodes.PARTNER_INVALID_EMAIL);
  });

  it.each([
    'http://example.com',
    'https://example.com:8443/hook?x=1',
    'https://127.0.0.1/hook',
    ' https://example.com/h ',
  ])('accepts webhook %p', (webhookUrl) => {
    expect(Partner.create({ ...createProps(), webhookUrl }).toSnapshot().webhookUrl).toBe(webhookUrl.trim());
  });

  it.each([
    '',
    'example.com',
    'ftp://example.com',
    'javascript:alert(1)',
    'mailto:a@b.co',
    'file:///etc/passwd',
    'https://',
    'http//x',
  ])('rejects webhook %p', (webhookUrl) => {
    expectDomainError(
      () => Partner.create({ ...createProps(), webhookUrl }),
      ErrorCodes.PARTNER_INVALID_WEBHOOK_URL,
    );
  });

  it('rejects an invalid payout account', () => {
    expectDomainError(
      () => Partner.create({ ...createProps(), payoutAccount: 'GB00WEST12345698765432' }),
      ErrorCodes.PARTNER_INVALID_PAYOUT_ACCOUNT,
    );
  });
});

describe('Partner behaviour', () => {
  it('updates fields, bumps version and updatedAt', () => {
    const partner = Partner.create(createProps());
    partner.update({ name: 'Acme 2', email: 'new@acme.example.com', webhookUrl: null }, T1);
    expect(partner.toSnapshot()).toEqual({
      id: 'partner-1',
      name: 'Acme 2',
      email: 'new@acme.example.com',
      payoutAccount: 'GB82WEST12345698765432',
      webhookUrl: null,
      status: 'ACTIVE',
      payoutHold: null,
      pendingAccountChange: null,
      createdAt: T0.toISOString(),
      updatedAt: T1.toISOString(),
      version: 2,
    });
  });

  it('leaves omitted fields alone and treats an unchanged update as a no-op', () => {
    const partner = Partner.create(createProps());
    partner.update({}, T1);
    partner.update({ name: 'Acme Affiliates', payoutAccount: 'GB82WEST12345698765432' }, T1);
    expect(partner.toSnapshot().version).toBe(1);
    expect(partner.toSnapshot().updatedAt).toBe(T0.toISOString());
  });

  it('validates everything before changing anything', () => {
    const partner = Partner.create(createProps());
    const before = partner.toSnapshot();
    expectDomainError(
      () => partner.update({ name: 'New', email: 'broken' }, T1),
      ErrorCodes.PARTNER_INVALID_EMAIL,
    );
    expect(partner.toSnapshot()).toEqual(before);
  });

  it.each([
    [{ name: '' }, ErrorCodes.PARTNER_INVALID_NAME],
    [{ payoutAccount: 'nope' }, ErrorCodes.PARTNER_INVALID_PAYOUT_ACCOUNT],
    [{ webhookUrl: 'ftp://x' }, ErrorCodes.PARTNER_INVALID_WEBHOOK_URL],
    [{ status: 'DELETED' as 'ACTIVE' }, ErrorCodes.PARTNER_INVALID_STATUS],
  ])('rejects update %p', (changes, code) => {
    expectDomainError(() => Partner.create(createProps()).update(changes, T1), code);
  });

  it('suspension blocks payments; reactivation allows them again', () => {
    const partner = Partner.create(createProps());
    expect(() => partner.assertCanReceivePayments()).not.toThrow();
    partner.update({ status: 'SUSPENDED' }, T1);
    expect(partner.status).toBe('SUSPENDED');
    expect(partner.version).toBe(2);
    const e = expectDomainError(() => partner.assertCanReceivePayments(), ErrorCodes.PARTNER_SUSPENDED);
    expect(e.details).toEqual({ partnerId: 'partner-1' });
    partner.activate(T1);
    expect(partner.status).toBe('ACTIVE');
    expect(() => partner.assertCanReceivePayments()).not.toThrow();
    partner.suspend(T1);
    expect(partner.status).toBe('SUSPENDED');
    expect(partner.version).toBe(4);
  });

  it('round-trips through snapshots', () => {
    const s: PartnerSnapshot = {
      id: 'p-9',
      name: 'Zeta',
      email: 'z@zeta.example',
      payoutAccount: '0012345678',
      webhookUrl: null,
      status: 'SUSPENDED',
      payoutHold: { reason: 'tax form missing', by: 'alice', at: T1.toISOString() },
      pendingAccountChange: {
        account: '0099887766',
        requestedBy: 'alice',
        requestedAt: T1.toISOString(),
        approvedBy: null,
        approvedAt: null,
        effectiveAt: null,
      },
      createdAt: T0.toISOString(),
      updatedAt: T1.toISOString(),
      version: 5,
    };
    const partner = Partner.fromSnapshot(s);
    expect(partner.toSnapshot()).toEqual(s);
    expect(partner.payoutAccount.kind).toBe('ACCOUNT_NUMBER');
  });

  it('toPublic masks the payout account', () => {
    const partner = Partner.create(createProps());
    const pub = partner.toPublic();
    expect(pub.payoutAccount).toBe('****5432');
    expect(JSON.stringify(pub)).not.toContain('GB82WEST');
    const { payoutAccount: _a, ...rest } = pub;
    const { payoutAccount: _b, ...snapshotRest } = partner.toSnapshot();
    expect(rest).toEqual(snapshotRest);
  });
});

describe('payout holds', () => {
  const fresh = (): Partner =>
    Partner.create({
      id: 'p-h',
      name: 'Held',
      email: 'h@held.example',
      payoutAccount: '0012345678',
      now: T0,
    });

  it('stops payouts until released, recording who and why as events', () => {
    const partner = fresh();
    partner.placePayoutHold({ reason: '  fraud review  ', actor: 'alice', now: T1 });
    expect(partner.payoutHold).toEqual({ reason: 'fraud review', by: 'alice', at: T1.toISOString() });
    expect(partner.version).toBe(2);
    const err = (() => {
      try {
        partner.assertCanReceivePayments();
      } catch (e) {
        return e as DomainError;
      }
      return undefined;
    })();
    expect(err?.code).toBe(ErrorCodes.PARTNER_PAYOUT_HOLD);
    expect(err?.message).toContain('fraud review');

    partner.releasePayoutHold({ actor: 'bob', now: T1 });
    expect(partner.payoutHold).toBeNull();
    expect(() => partner.assertCanReceivePayments()).not.toThrow();
    const events = partner.pullEvents();
    expect(events.map((e) => [e.type, e.data.actor, e.data.reason])).toEqual([
      ['PartnerPayoutHoldPlaced', 'alice', 'fraud review'],
      ['PartnerPayoutHoldReleased', 'bob', null],
    ]);
    expect(events.every((e) => e.aggregate.type === 'Partner' && e.partnerId === 'p-h')).toBe(true);
    expect(partner.pullEvents()).toEqual([]);
  });

  it('refuses a second hold, a release without a hold, and a hold without a reason', () => {
    const partner = fresh();
    expect(() => partner.releasePayoutHold({ actor: 'bob', now: T1 })).toThrow(
      expect.objectContaining({ code: ErrorCodes.PARTNER_NOT_ON_HOLD }),
    );
    expect(() => partner.placePayoutHold({ reason: '   ', actor: 'alice', now: T1 })).toThrow(
      expect.objectContaining({ code: ErrorCodes.PARTNER_INVALID_HOLD_REASON }),
    );
    expect(() => partner.placePayoutHold({ reason: 'x'.repeat(501), actor: 'alice', now: T1 })).toThrow(
      expect.objectContaining({ code: ErrorCodes.PARTNER_INVALID_HOLD_REASON }),
    );
    partner.placePayoutHold({ reason: 'first', actor: 'alice', now: T1 });
    expect(() => partner.placePayoutHold({ reason: 'second', actor: 'bob', now: T1 })).toThrow(
      expect.objectContaining({ code: ErrorCodes.PARTNER_ALREADY_ON_HOLD }),
    );
    expect(partner.payoutHold?.reason).toBe('first');
  });
});

describe('payout-account changes', () => {
  const HOUR = 3_600_000;
  const fresh = (): Partner =>
    Partner.create({ id: 'p-a', name: 'Acc', email: 'a@acc.example', payoutAccount: '0012345678', now: T0 });
  const at = (ms: number) => new Date(T0.getTime() + ms);

  it('is never a plain edit: PATCHing another account is refused', () => {
    const partner = fresh();
    expect(() => partner.update({ payoutAccount: '0099887766' }, T1)).toThrow(
      expect.objectContaining({ code: ErrorCodes.PARTNER_ACCOUNT_CHANGE_NEEDS_APPROVAL }),
    );
    // The same account (any spelling) is no change at all.
    partner.update({ payoutAccount: '001-234-5678' }, T1);
    expect(partner.payoutAccount.value).toBe('0012345678');
  });

  it('needs a second person, then waits the cool-off before money goes to the new account', () => {
    const partner = fresh();
    partner.requestPayoutAccountChange({ account: '0099887766', actor: 'alice', now: at(0) });
    expect(partner.payoutAccountAt(at(HOUR)).value).toBe('0012345678');
    expect(() =>
      partner.approvePayoutAccountChange({ actor: 'alice', now: at(HOUR), cooloffMs: 24 * HOUR }),
    ).toThrow(expect.objectContaining({ code: ErrorCodes.PARTNER_FOUR_EYES_VIOLATION }));
    partner.approvePayoutAccountChange({ actor: 'bob', now: at(HOUR), cooloffMs: 24 * HOUR });
    expect(partner.pendingAccountChange).toMatchObject({
      approvedBy: 'bob',
      effectiveAt: at(25 * HOUR).toISOString(),
    });
    expect(partner.payoutAccountAt(at(25 * HOUR - 1)).value).toBe('0012345678');
    expect(partner.payoutAccountAt(at(25 * HOUR)).value).toBe('0099887766');

    expect(partner.applyDueAccountChange(at(2 * HOUR))).toBe(false);
    expect(partner.applyDueAccountChange(at(26 * HOUR))).toBe(true);
    expect(partner.payoutAccount.value).toBe('0099887766');
    expect(partner.pendingAccountChange).toBeNull();
    const events = partner.pullEvents();
    expect(events.map((e) => e.type)).toEqual([
      'PartnerPayoutAccountChangeRequested',
      'PartnerPayoutAccountChangeApproved',
      'PartnerPayoutAccountChanged',
    ]);
    // Events carry masked accounts only.
    expect(JSON.stringify(events)).not.toMatch(/0099887766|0012345678/);
    expect(events[0]!.data).toMatchObject({ actor: 'alice', fromAccount: '****5678', toAccount: '****7766' });
  });

  it('one change at a time; it can be withdrawn before it takes effect; nothing to approve twice', () => {
    const partner = fresh();
    expect(() => partner.approvePayoutAccountChange({ actor: 'bob', now: T1, cooloffMs: 0 })).toThrow(
      expect.objectContaining({ code: ErrorCodes.PARTNER_NO_ACCOUNT_CHANGE }),
    );
    expect(() =>
      partner.requestPayoutAccountChange({ account: '0012345678', actor: 'alice', now: T1 }),
    ).toThrow(expect.objectContaining({ code: ErrorCodes.PARTNER_ACCOUNT_UNCHANGED }));
    partner.requestPayoutAccountChange({ account: '0099887766', actor: 'alice', now: T1 });
    expect(() =>
      partner.requestPayoutAccountChange({ account: '0055555555', actor: 'carol', now: T1 }),
    ).toThrow(expect.objectContaining({ code: ErrorCodes.PARTNER_ACCOUNT_CHANGE_PENDING }));
    partner.approvePayoutAccountChange({ actor: 'bob', now: T1, cooloffMs: HOUR });
    expect(() => partner.approvePayoutAccountChange({ actor: 'carol', now: T1, cooloffMs: HOUR })).toThrow(
      expect.objectContaining({ code: ErrorCodes.PARTNER_ACCOUNT_CHANGE_APPROVED }),
    );
    partner.cancelPayoutAccountChange({ actor: 'carol', now: T1 });
    expect(partner.pendingAccountChange).toBeNull();
    expect(partner.payoutAccountAt(new Date(T1.getTime() + 2 * HOUR)).value).toBe('0012345678');
    // The public view masks the requested account too.
    partner.requestPayoutAccountChange({ account: 'DE89 3704 0044 0532 0130 00', actor: 'alice', now: T1 });
    expect(partner.toPublic().pendingAccountChange?.account).toBe('****3000');
  });
});

describe('payout methods', () => {
  const HOUR = 3_600_000;
  const at = (ms: number) => new Date(T0.getTime() + ms);
  const fresh = (): Partner =>
    Partner.create({
      id: 'p-m',
      name: 'Methods',
      email: 'm@acc.example',
      payoutAccount: '0012345678',
      now: T0,
    });
  const SEPA = { type: 'BANK_TRANSFER', iban: 'DE89 3704 0044 0532 0130 00', bic: 'COBADEFFXXX' };
  const STRIPE = { type: 'STRIPE_CONNECT', accountId: 'acct_1Nv0FGQ9RKHgCVdK' };

  it('without methods, every currency is paid by bank transfer to the legacy payout account', () => {
    expect(fresh().defaultMethodFor('EUR', T0).data).toEqual({
      type: 'BANK_TRANSFER',
      scheme: 'LEGACY',
      account: '0012345678',
    });
  });

  it('a method for a currency goes through request, four-eyes approval and the cool-off', () => {
    const partner = fresh();
    partner.requestPayoutMethodChange({ currency: 'eur', method: SEPA, actor: 'alice', now: at(0) });
    expect(partner.pendingAccountChange).toMatchObject({ account: null, currency: 'EUR' });
    expect(partner.defaultMethodFor('EUR', at(HOUR)).data).toMatchObject({ scheme: 'LEGACY' });
    expect(() =>
      partner.approvePayoutAccountChange({ actor: 'alice', now: at(HOUR), cooloffMs: HOUR }),
    ).toThrow(expect.objectContaining({ code: ErrorCodes.PARTNER_FOUR_EYES_VIOLATION }));
    partner.approvePayoutAccountChange({ actor: 'bob', now: at(HOUR), cooloffMs: HOUR });
    expect(partner.defaultMethodFor('EUR', at(2 * HOUR - 1)).data).toMatchObject({ scheme: 'LEGACY' });
    expect(partner.defaultMethodFor('EUR', at(2 * HOUR)).data).toMatchObject({
      scheme: 'IBAN',
      iban: 'DE89370400440532013000',
    });
    // Other currencies, and the legacy account the payment flow pays today, are untouched.
    expect(partner.defaultMethodFor('USD', at(2 * HOUR)).data).toMatchObject({ scheme: 'LEGACY' });
    expect(partner.payoutAccountAt(at(2 * HOUR)).value).toBe('0012345678');

    expect(partner.applyDueAccountChange(at(3 * HOUR))).toBe(true);
    expect(partner.payoutMethods.map((m) => [m.currency, m.method.type])).toEqual([['EUR', 'BANK_TRANSFER']]);
    const events = partner.pullEvents();
    expect(events.map((e) => e.type)).toEqual([
      'PartnerPayoutAccountChangeRequested',
      'PartnerPayoutAccountChangeApproved',
      'PartnerPayoutAccountChanged',
    ]);
    expect(events[0]!.data).toMatchObject({
      currency: 'EUR',
      fromAccount: '****5678',
      toAccount: '****3000',
      toMethod: { type: 'BANK_TRANSFER', iban: 'DE89…3000', bic: 'COBADEFFXXX' },
    });
    expect(JSON.stringify(events)).not.toContain('DE89370400440532013000');
  });

  it('`*` is the default for every currency without its own; a currency’s own method wins', () => {
    const partner = fresh();
    partner.requestPayoutMethodChange({ currency: '*', method: STRIPE, actor: 'alice', now: at(0) });
    partner.approvePayoutAccountChange({ actor: 'bob', now: at(0), cooloffMs: 0 });
    partner.requestPayoutMethodChange({ currency: 'EUR', method: SEPA, actor: 'alice', now: at(1) });
    partner.approvePayoutAccountChange({ actor: 'bob', now: at(1), cooloffMs: 0 });
    partner.applyDueAccountChange(at(2));
    expect(partner.defaultMethodFor('USD', at(2)).type).toBe('STRIPE_CONNECT');
    expect(partner.defaultMethodFor('EUR', at(2)).type).toBe('BANK_TRANSFER');
    // Round-trips through a snapshot; the public view never shows methods unmasked.
    const copy = Partner.fromSnapshot(partner.toSnapshot());
    expect(copy.payoutMethods.map((m) => m.currency)).toEqual(['*', 'EUR']);
    expect(copy.defaultMethodFor('GBP', at(2)).data).toEqual({
      type: 'STRIPE_CONNECT',
      accountId: 'acct_1Nv0FGQ9RKHgCVdK',
    });
    expect(JSON.stringify(partner.toPublic())).not.toMatch(/acct_1Nv0|DE89370400440532013000/);
  });

  it('refuses a bad currency or method before anything changes, a pending change, and no change', () => {
    const partner = fresh();
    expectDomainError(
      () => partner.requestPayoutMethodChange({ currency: 'EURO', method: SEPA, actor: 'alice', now: T0 }),
      ErrorCodes.PARTNER_INVALID_METHOD_CURRENCY,
    );
    expectDomainError(
      () =>
        partner.requestPayoutMethodChange({
          currency: 'EUR',
          method: { ...SEPA, bic: 'NOPE' },
          actor: 'alice',
          now: T0,
        }),
      ErrorCodes.PAYOUT_METHOD_INVALID_BIC,
    );
    expect(partner.version).toBe(1);
    partner.requestPayoutMethodChange({ currency: 'EUR', method: SEPA, actor: 'alice', now: T0 });
    expectDomainError(
      () => partner.requestPayoutMethodChange({ currency: 'USD', method: STRIPE, actor: 'carol', now: T0 }),
      ErrorCodes.PARTNER_ACCOUNT_CHANGE_PENDING,
    );
    expectDomainError(
      () => partner.requestPayoutAccountChange({ account: '0099887766', actor: 'carol', now: T0 }),
      ErrorCodes.PARTNER_ACCOUNT_CHANGE_PENDING,
    );
    expect(partner.toPublic().pendingAccountChange).toMatchObject({
      account: '****3000',
      currency: 'EUR',
      method: { iban: 'DE89…3000' },
    });
    partner.cancelPayoutAccountChange({ actor: 'bob', now: T0 });
    partner.requestPayoutMethodChange({ currency: 'EUR', method: SEPA, actor: 'alice', now: T0 });
    partner.approvePayoutAccountChange({ actor: 'bob', now: T0, cooloffMs: 0 });
    expectDomainError(
      () => partner.requestPayoutMethodChange({ currency: 'EUR', method: SEPA, actor: 'alice', now: T0 }),
      ErrorCodes.PARTNER_ACCOUNT_UNCHANGED,
    );
  });
});

describe('a payout returned by the bank', () => {
  const HOUR = 3_600_000;
  const at = (ms: number) => new Date(T0.getTime() + ms);
  const SEPA = { type: 'BANK_TRANSFER', iban: 'DE89 3704 0044 0532 0130 00', bic: 'COBADEFFXXX' };
  const returned = (): Partner => {
    const partner = Partner.create({
      id: 'p-r',
      name: 'Returned',
      email: 'r@acc.example',
      payoutAccount: '0012345678',
      now: T0,
    });
    partner.flagPayoutMethodReturned({ paymentId: 'pay-1', reason: 'AC04 closed', now: at(HOUR) });
    return partner;
  };

  it('flags the method in force until a change takes effect after it, then clears on writing it down', () => {
    const partner = returned();
    expect(partner.payoutMethodReturnedAt(at(2 * HOUR))).toEqual({
      paymentId: 'pay-1',
      reason: 'AC04 closed',
      at: at(HOUR).toISOString(),
    });
    partner.requestPayoutMethodChange({ currency: '*', method: SEPA, actor: 'alice', now: at(2 * HOUR) });
    partner.approvePayoutAccountChange({ actor: 'bob', now: at(3 * HOUR), cooloffMs: HOUR });
    // Pending: the returned method is still the one in force.
    expect(partner.payoutMethodReturnedAt(at(4 * HOUR - 1))).not.toBeNull();
    // In force, before it is written down (that happens lazily).
    expect(partner.payoutMethodReturnedAt(at(4 * HOUR))).toBeNull();
    expect(partner.applyDueAccountChange(at(5 * HOUR))).toBe(true);
    expect(partner.payoutMethodReturnedAt(at(5 * HOUR))).toBeNull();
    expect(partner.toSnapshot().payoutMethodReturned).toBeUndefined();
  });

  it('is not cleared by a change that had taken effect before the return', () => {
    const partner = Partner.create({
      id: 'p-r2',
      name: 'Returned',
      email: 'r@acc.example',
      payoutAccount: '0012345678',
      now: T0,
    });
    partner.requestPayoutMethodChange({ currency: '*', method: SEPA, actor: 'alice', now: at(0) });
    partner.approvePayoutAccountChange({ actor: 'bob', now: at(0), cooloffMs: HOUR });
    partner.flagPayoutMethodReturned({ paymentId: 'pay-2', reason: 'AC04', now: at(2 * HOUR) });
    expect(partner.payoutMethodReturnedAt(at(3 * HOUR))).not.toBeNull();
    partner.applyDueAccountChange(at(3 * HOUR));
    expect(partner.payoutMethodReturnedAt(at(3 * HOUR))).not.toBeNull();
  });

  it('survives a snapshot round trip; partners never returned keep their old snapshot shape', () => {
    const partner = returned();
    const s = partner.toSnapshot();
    expect(s.payoutMethodReturned).toMatchObject({ paymentId: 'pay-1' });
    expect(Partner.fromSnapshot(s).payoutMethodReturnedAt(at(2 * HOUR))).toMatchObject({
      paymentId: 'pay-1',
    });
    expect('payoutMethodReturned' in (partner.toPublic() as object)).toBe(false);
    const plain = Partner.create({
      id: 'p-x',
      name: 'X',
      email: 'x@acc.example',
      payoutAccount: '0012345678',
      now: T0,
    });
    expect('payoutMethodReturned' in plain.toSnapshot()).toBe(false);
  });
});
