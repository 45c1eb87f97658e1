import fc from 'fast-check';
import { ErrorCodes } from './domain-error';
import { PayoutMaximums } from './payout-maximums.value-object';
import { PayoutMinimums } from './payout-minimums.value-object';
import {
  formatMinor,
  type PartnerBalance,
  planSettlement,
  SETTLEMENT_SKIP_REASONS,
  skippedPartnersByReason,
  type SettlementPolicy,
  type SettlementSkipReason,
} from './settlement-plan';
import { expectDomainError } from '../../test/support/expect-domain-error';

const policy: SettlementPolicy = {
  minimums: PayoutMinimums.create({ USD: 5000, EUR: 5000, JPY: 1000 }),
  maxPaymentMinor: 1_000_000,
};

const balance = (overrides: Partial<PartnerBalance> = {}): PartnerBalance => ({
  partnerId: 'p-1',
  currency: 'USD',
  commissionsMinor: 10_000n,
  clawbacksMinor: 0n,
  commissionCount: 3,
  clawbackCount: 0,
  partnerStatus: 'ACTIVE',
  payoutHold: false,
  ...overrides,
});

const reasonOf = (
  b: Partial<PartnerBalance>,
  p: SettlementPolicy = policy,
): SettlementSkipReason | 'PAYOUT' => {
  const plan = planSettlement([balance(b)], p);
  return plan.skipped[0]?.reason ?? 'PAYOUT';
};

describe('planSettlement', () => {
  it('pays the net of commissions and clawbacks', () => {
    const plan = planSettlement([balance({ clawbacksMinor: -2_500n, clawbackCount: 1 })], policy);
    expect(plan).toEqual({
      payouts: [{ partnerId: 'p-1', currency: 'USD', netMinor: 7_500, commissionCount: 3, clawbackCount: 1 }],
      skipped: [],
      totals: { USD: { payoutCount: 1, payoutMinor: '7500', skippedCount: 0 } },
    });
  });

  it('plans nothing for no balances', () => {
    expect(planSettlement([], policy)).toEqual({ payouts: [], skipped: [], totals: {} });
  });

  it.each<[string, Partial<PartnerBalance>, SettlementSkipReason, string]>([
    [
      'a missing partner',
      { partnerStatus: 'MISSING' },
      'PARTNER_MISSING',
      'partner not found; net 100.00 USD is not paid',
    ],
    [
      'a suspended partner',
      { partnerStatus: 'SUSPENDED' },
      'PARTNER_SUSPENDED',
      'partner is suspended; net 100.00 USD carries forward',
    ],
    [
      'a payout hold',
      { payoutHold: true },
      'PAYOUT_HOLD',
      'payouts are on hold for this partner; net 100.00 USD carries forward',
    ],
    [
      'a required tax form missing',
      { taxForm: 'MISSING' },
      'TAX_FORM_MISSING',
      'a tax form is required (TAX_FORM_REQUIRED) and the partner has none; net 100.00 USD carries forward',
    ],
    [
      'a rejected tax form',
      { taxForm: 'REJECTED' },
      'TAX_FORM_REJECTED',
      'the partner’s tax form was rejected; net 100.00 USD carries forward',
    ],
    [
      'an expired tax form',
      { taxForm: 'EXPIRED' },
      'TAX_FORM_EXPIRED',
      'the partner’s tax form has expired; net 100.00 USD carries forward',
    ],
    [
      'a tax form waiting for review',
      { taxForm: 'IN_REVIEW' },
      'TAX_FORM_PENDING_REVIEW',
      'the partner’s tax form waits for review; net 100.00 USD carries forward',
    ],
    [
      'a returned payout (reconciliation hook)',
      { payoutMethodReturned: true },
      'PAYOUT_METHOD_RETURNED',
      'the bank returned the last payout to this partner; net 100.00 USD carries forward',
    ],
    [
      'a negative net',
      { commissionsMinor: 1_000n, clawbacksMinor: -2_250n, clawbackCount: 2 },
      'NEGATIVE_BALANCE',
      'net -12.50 USD is negative (clawbacks exceed commissions) and carries forward against future commissions',
    ],
    [
      'a zero net',
      { commissionsMinor: 1_000n, clawbacksMinor: -1_000n, clawbackCount: 1 },
      'ZERO_BALANCE',
      'net 0.00 USD: commissions and clawbacks cancel out',
    ],
    [
      'a net below the minimum',
      { commissionsMinor: 4_200n },
      'BELOW_MINIMUM',
      'net 42.00 USD is below the 50.00 USD minimum and carries forward',
    ],
    [
      'a net above the maximum',
      { commissionsMinor: 1_000_001n },
      'ABOVE_MAXIMUM',
      'net 10000.01 USD exceeds the 10000.00 USD maximum for one payment; an operator must act',
    ],
  ])('skips %s, saying why in plain words', (_label, overrides, reason, detail) => {
    const plan = planSettlement([balance(overrides)], policy);
    expect(plan.payouts).toEqual([]);
    expect(plan.skipped).toEqual([
      {
        partnerId: 'p-1',
        currency: 'USD',
        netMinor: String((overrides.commissionsMinor ?? 10_000n) + (overrides.clawbacksMinor ?? 0n)),
        reason,
        detail,
        commissionCount: 3,
        clawbackCount: overrides.clawbackCount ?? 0,
      },
    ]);
    expect(plan.totals).toEqual({ USD: { payoutCount: 0, payoutMinor: '0', skippedCount: 1 } });
  });

  it('applies the rules in order of precedence', () => {
    const negative = { commissionsMinor: 0n, clawbacksMinor: -1n };
    expect(reasonOf({ partnerStatus: 'MISSING', payoutHold: true, ...negative })).toBe('PARTNER_MISSING');
    expect(reasonOf({ partnerStatus: 'SUSPENDED', payoutHold: true, ...negative })).toBe('PARTNER_SUSPENDED');
    expect(reasonOf({ payoutHold: true, ...negative })).toBe('PAYOUT_HOLD');
    expect(reasonOf({ payoutHold: true, commissionsMinor: 0n })).toBe('PAYOUT_HOLD');
    expect(reasonOf({ payoutHold: true, commissionsMinor: 5_000_000n })).toBe('PAYOUT_HOLD');
    // Negative before the minimum: the net is below any minimum, but the reason that matters is the debt.
    expect(reasonOf(negative)).toBe('NEGATIVE_BALANCE');
    // Zero before the minimum, even with a zero minimum configured.
    const zeroMinimum = { ...policy, minimums: PayoutMinimums.create({ USD: 0 }) };
    expect(reasonOf({ commissionsMinor: 0n }, zeroMinimum)).toBe('ZERO_BALANCE');
    // Below the minimum before above the maximum (a misconfigured minimum above the maximum).
    const inverted = { minimums: PayoutMinimums.create({ USD: 200 }), maxPaymentMinor: 100 };
    expect(reasonOf({ commissionsMinor: 150n }, inverted)).toBe('BELOW_MINIMUM');
  });

  it('pays exactly the minimum and exactly the maximum', () => {
    expect(reasonOf({ commissionsMinor: 5_000n })).toBe('PAYOUT');
    expect(reasonOf({ commissionsMinor: 4_999n })).toBe('BELOW_MINIMUM');
    expect(reasonOf({ commissionsMinor: 1_000_000n })).toBe('PAYOUT');
    expect(reasonOf({ commissionsMinor: 1_000_001n })).toBe('ABOVE_MAXIMUM');
  });

  it('pays nothing in a currency without a configured minimum (never at 1 minor unit)', () => {
    const plan = planSettlement([balance({ currency: 'GBP', commissionsMinor: 1_000_000n })], policy);
    expect(plan.payouts).toEqual([]);
    expect(plan.skipped[0]).toMatchObject({ reason: 'CURRENCY_NOT_CONFIGURED', netMinor: '1000000' });
    expect(plan.skipped[0]?.detail).toContain('GBP has no payout minimum configured');
    expect(reasonOf({ currency: 'GBP', commissionsMinor: 1n })).toBe('CURRENCY_NOT_CONFIGURED');
    // The debt is still the reason that matters for a negative balance.
    expect(reasonOf({ currency: 'GBP', commissionsMinor: 0n, clawbacksMinor: -1n })).toBe('NEGATIVE_BALANCE');
    // An explicit fallback minimum still covers every currency.
    const strict = { ...policy, minimums: PayoutMinimums.create({}, 2) };
    expect(reasonOf({ currency: 'GBP', commissionsMinor: 1n }, strict)).toBe('BELOW_MINIMUM');
    expect(reasonOf({ currency: 'GBP', commissionsMinor: 2n }, strict)).toBe('PAYOUT');
  });

  describe('per-currency maximums (PAYOUT_MAXIMUMS)', () => {
    const minimums = PayoutMinimums.create({ USD: 100, JPY: 100, KWD: 100 });
    const net = (currency: string, minor: bigint): Partial<PartnerBalance> => ({
      currency,
      commissionsMinor: minor,
    });

    it('takes a PayoutMaximums: the listed maximum, else the fallback (PAYMENT_MAX_AMOUNT_MINOR)', () => {
      const p = {
        minimums,
        maxPaymentMinor: PayoutMaximums.create({ JPY: 1_000_000, KWD: 5_000_000 }, 500_000),
      };
      expect(reasonOf(net('JPY', 1_000_000n), p)).toBe('PAYOUT');
      expect(reasonOf(net('JPY', 1_000_001n), p)).toBe('ABOVE_MAXIMUM');
      expect(reasonOf(net('KWD', 5_000_000n), p)).toBe('PAYOUT');
      expect(reasonOf(net('USD', 500_000n), p)).toBe('PAYOUT');
      expect(reasonOf(net('USD', 500_001n), p)).toBe('ABOVE_MAXIMUM');
      const plan = planSettlement([balance(net('KWD', 5_000_001n))], p);
      expect(plan.skipped[0]?.detail).toContain('the 5000.000 KWD maximum');
    });

    it('takes a function of the currency', () => {
      const p = { minimums, maxPaymentMinor: (c: string) => (c === 'JPY' ? 200 : 10_000) };
      expect(reasonOf(net('JPY', 201n), p)).toBe('ABOVE_MAXIMUM');
      expect(reasonOf(net('USD', 201n), p)).toBe('PAYOUT');
    });

    it('still takes one number for every currency, as before', () => {
      const p = { minimums, maxPaymentMinor: 150 };
      expect(reasonOf(net('JPY', 151n), p)).toBe('ABOVE_MAXIMUM');
      expect(reasonOf(net('USD', 150n), p)).toBe('PAYOUT');
    });

    it.each([0, -1, 1.5, NaN, Number.MAX_SAFE_INTEGER + 1])(
      'refuses a per-currency maximum of %p from a function',
      (bad) => {
        const e = expectDomainError(
          () => planSettlement([balance()], { minimums, maxPaymentMinor: () => bad }),
          ErrorCodes.SETTLEMENT_INVALID_MAXIMUM,
        );
        expect(e.details).toMatchObject({ key: 'USD' });
      },
    );
  });

  it('nets in bigint: sums beyond 2^53 lose no minor unit', () => {
    const big = 2n ** 60n;
    const plan = planSettlement([balance({ commissionsMinor: big + 1n, clawbacksMinor: -big })], {
      ...policy,
      minimums: PayoutMinimums.create({ USD: 1 }),
    });
    // In floats, 2^60 + 1 - 2^60 is 0.
    expect(plan.payouts[0]?.netMinor).toBe(1);
  });

  it('refuses a net beyond 2^53 as one payment and reports it exactly', () => {
    const net = 2n ** 53n + 1n;
    const plan = planSettlement([balance({ commissionsMinor: net })], {
      ...policy,
      maxPaymentMinor: Number.MAX_SAFE_INTEGER,
    });
    expect(plan.skipped[0]).toMatchObject({ reason: 'ABOVE_MAXIMUM', netMinor: '9007199254740993' });
    expect(plan.skipped[0]?.detail).toContain('90071992547409.93 USD');
  });

  it('formats the detail in the currency’s own minor digits', () => {
    const plan = planSettlement([balance({ currency: 'JPY', commissionsMinor: 999n })], policy);
    expect(plan.skipped[0]?.detail).toBe('net 999 JPY is below the 1000 JPY minimum and carries forward');
  });

  it('orders payouts, skips and totals by currency then partnerId (code-unit order), not input order', () => {
    const input = [
      balance({ partnerId: 'b', currency: 'USD' }),
      balance({ partnerId: 'a', currency: 'USD', payoutHold: true }),
      balance({ partnerId: 'a', currency: 'EUR' }),
      balance({ partnerId: 'B', currency: 'USD' }),
      balance({ partnerId: 'c', currency: 'COP', partnerStatus: 'SUSPENDED' }),
    ];
    const snapshot = JSON.stringify(input, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    const plan = planSettlement(input, policy);
    expect(plan.payouts.map((p) => `${p.currency}/${p.partnerId}`)).toEqual(['EUR/a', 'USD/B', 'USD/b']);
    expect(plan.skipped.map((s) => `${s.currency}/${s.partnerId}`)).toEqual(['COP/c', 'USD/a']);
    expect(Object.keys(plan.totals)).toEqual(['COP', 'EUR', 'USD']);
    expect(plan.totals).toEqual({
      COP: { payoutCount: 0, payoutMinor: '0', skippedCount: 1 },
      EUR: { payoutCount: 1, payoutMinor: '10000', skippedCount: 0 },
      USD: { payoutCount: 2, payoutMinor: '20000', skippedCount: 1 },
    });
    // The caller's array is left as it was.
    expect(JSON.stringify(input, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).toBe(
      snapshot,
    );
  });

  it('produces a JSON-serialisable plan', () => {
    const plan = planSettlement(
      [
        balance(),
        balance({ partnerId: 'p-2', commissionsMinor: 2n ** 64n }),
        balance({ partnerId: 'p-3', payoutHold: true }),
      ],
      policy,
    );
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });

  it('allows the same partner in several currencies but not twice in one', () => {
    const plan = planSettlement([balance(), balance({ currency: 'EUR' })], policy);
    expect(plan.payouts).toHaveLength(2);
    const e = expectDomainError(
      () =>
        planSettlement([balance(), balance({ partnerId: 'p-2' }), balance({ commissionsMinor: 1n })], policy),
      ErrorCodes.SETTLEMENT_DUPLICATE_BALANCE,
    );
    expect(e.details).toEqual({ partnerId: 'p-1', currency: 'USD' });
  });

  it.each([0, -1, 1.5, NaN, Number.MAX_SAFE_INTEGER + 1, '100' as unknown as number])(
    'rejects the maximum %p',
    (maxPaymentMinor) => {
      expectDomainError(
        () => planSettlement([balance()], { ...policy, maxPaymentMinor }),
        ErrorCodes.SETTLEMENT_INVALID_MAXIMUM,
      );
    },
  );

  it.each<[string, Partial<PartnerBalance>]>([
    ['an empty partnerId', { partnerId: '' }],
    ['an unknown currency', { currency: 'XYZ' }],
    ['negative commissions', { commissionsMinor: -1n }],
    ['positive clawbacks (summed as absolute values)', { clawbacksMinor: 1n }],
    ['commissions as a number', { commissionsMinor: 100 as unknown as bigint }],
    ['clawbacks as a string', { clawbacksMinor: '-1' as unknown as bigint }],
    ['a negative count', { commissionCount: -1 }],
    ['a fractional count', { clawbackCount: 0.5 }],
    ['an unknown partner status', { partnerStatus: 'DELETED' as never }],
    ['a non-boolean hold', { payoutHold: 'false' as unknown as boolean }],
  ])('rejects a balance with %s', (_label, overrides) => {
    expectDomainError(
      () => planSettlement([balance({ partnerId: 'ok' }), balance(overrides)], policy),
      ErrorCodes.SETTLEMENT_INVALID_BALANCE,
    );
  });

  it('accounts for every balance exactly once and never loses a minor unit', () => {
    const arbBalance = fc.record({
      partnerId: fc.constantFrom('p-1', 'p-2', 'p-3', 'p-4', 'P-5'),
      currency: fc.constantFrom('USD', 'EUR', 'JPY', 'COP'),
      commissionsMinor: fc.bigInt({ min: 0n, max: 2n ** 62n }),
      clawbacksMinor: fc.bigInt({ min: -(2n ** 62n), max: 0n }),
      commissionCount: fc.nat(50),
      clawbackCount: fc.nat(50),
      partnerStatus: fc.constantFrom('ACTIVE' as const, 'SUSPENDED' as const, 'MISSING' as const),
      payoutHold: fc.boolean(),
    });
    const arbBalances = fc.uniqueArray(arbBalance, {
      selector: (b) => `${b.currency}/${b.partnerId}`,
      maxLength: 20,
    });
    const arbPolicy = fc.record({
      minimum: fc.integer({ min: 0, max: 1_000_000 }),
      maxPaymentMinor: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    });
    fc.assert(
      fc.property(arbBalances, arbPolicy, (balances, { minimum, maxPaymentMinor }) => {
        const p = { minimums: PayoutMinimums.create({}, minimum), maxPaymentMinor };
        const plan = planSettlement(balances, p);
        const keys = [...plan.payouts, ...plan.skipped].map((x) => `${x.currency}/${x.partnerId}`);
        expect(keys.sort()).toEqual(balances.map((b) => `${b.currency}/${b.partnerId}`).sort());

        const inputNet = balances.reduce((sum, b) => sum + b.commissionsMinor + b.clawbacksMinor, 0n);
        const outputNet =
          plan.payouts.reduce((sum, x) => sum + BigInt(x.netMinor), 0n) +
          plan.skipped.reduce((sum, x) => sum + BigInt(x.netMinor), 0n);
        expect(outputNet).toBe(inputNet);

        for (const payout of plan.payouts) {
          expect(Number.isSafeInteger(payout.netMinor)).toBe(true);
          expect(payout.netMinor).toBeGreaterThanOrEqual(Math.max(1, minimum));
          expect(payout.netMinor).toBeLessThanOrEqual(maxPaymentMinor);
        }
        for (const skip of plan.skipped) expect(SETTLEMENT_SKIP_REASONS).toContain(skip.reason);

        const totalPaid = Object.values(plan.totals).reduce((sum, t) => sum + BigInt(t.payoutMinor), 0n);
        expect(totalPaid).toBe(plan.payouts.reduce((sum, x) => sum + BigInt(x.netMinor), 0n));

        const order = (xs: Array<{ currency: string; partnerId: string }>) =>
          xs.map((x) => [x.currency, x.partnerId] as const);
        const sorted = (xs: ReadonlyArray<readonly [string, string]>) =>
          [...xs].sort(([c1, p1], [c2, p2]) => (c1 < c2 ? -1 : c1 > c2 ? 1 : p1 < p2 ? -1 : p1 > p2 ? 1 : 0));
        expect(order(plan.payouts)).toEqual(sorted(order(plan.payouts)));
        expect(order(plan.skipped)).toEqual(sorted(order(plan.skipped)));
      }),
    );
  });
});

describe('formatMinor', () => {
  it.each<[bigint, string, string]>([
    [0n, 'USD', '0.00 USD'],
    [5n, 'USD', '0.05 USD'],
    [-5n, 'USD', '-0.05 USD'],
    [123456n, 'USD', '1234.56 USD'],
    [-1250n, 'JPY', '-1250 JPY'],
    [1n, 'BHD', '0.001 BHD'],
    [2n ** 64n, 'USD', '184467440737095516.16 USD'],
  ])('formats %p %s as %p', (amount, currency, expected) => {
    expect(formatMinor(amount, currency)).toBe(expected);
  });
});

describe('planSettlement and payability', () => {
  it('an approved or not required tax form does not skip; suspension still comes first', () => {
    expect(reasonOf({ taxForm: 'APPROVED' })).toBe('PAYOUT');
    expect(reasonOf({ taxForm: 'NOT_REQUIRED' })).toBe('PAYOUT');
    expect(reasonOf({ taxForm: 'MISSING', partnerStatus: 'SUSPENDED' })).toBe('PARTNER_SUSPENDED');
    expect(reasonOf({ taxForm: 'MISSING', payoutHold: true })).toBe('PAYOUT_HOLD');
    // A partner-level reason outranks the amount: the partner can fix it, the minimum not.
    expect(reasonOf({ taxForm: 'EXPIRED', commissionsMinor: 10n })).toBe('TAX_FORM_EXPIRED');
  });
});

describe('skippedPartnersByReason', () => {
  it('counts partners, not balances: a partner skipped in two currencies for one reason counts once', () => {
    const plan = planSettlement(
      [
        balance({ partnerId: 'a', currency: 'USD', taxForm: 'MISSING' }),
        balance({ partnerId: 'a', currency: 'EUR', taxForm: 'MISSING' }),
        balance({ partnerId: 'b', currency: 'USD', taxForm: 'MISSING' }),
        balance({ partnerId: 'c', currency: 'USD', taxForm: 'REJECTED' }),
        balance({ partnerId: 'd', currency: 'USD', commissionsMinor: 10n }),
        balance({ partnerId: 'e', currency: 'USD' }),
      ],
      policy,
    );
    expect(plan.skipped).toHaveLength(5);
    expect(skippedPartnersByReason(plan.skipped)).toEqual({
      TAX_FORM_MISSING: 2,
      TAX_FORM_REJECTED: 1,
      BELOW_MINIMUM: 1,
    });
  });

  it('nothing skipped: no reasons', () => {
    expect(skippedPartnersByReason([])).toEqual({});
  });
});
