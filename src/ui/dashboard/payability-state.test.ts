import { PAYABILITY_REASONS, WHAT_TO_DO, type PayabilityReason } from '../../domain/payability';
import type { Payability } from '../../api/contract/api-contract.types';
import {
  formatPayoutDate,
  matchesPayability,
  nextPayoutCard,
  PAYABILITY_FILTERS,
  payabilityCell,
  payabilityReasonLabel,
} from './payability-state';
import { SKIP_REASON_LABELS } from './settlement-state';

/** Intl separates with (narrow) no-break spaces; the tests compare words. */
const plain = (s: string): string => s.replace(/[\u00a0\u202f]/g, ' ');

const reason = (code: PayabilityReason, blocking = true, currency?: string) => ({
  code,
  whatToDo: WHAT_TO_DO[code],
  blocking,
  ...(currency ? { currency } : {}),
});

const view = (overrides: Partial<Payability> = {}): Payability => ({
  partnerId: '00000000-0000-4000-8000-000000000001',
  asOf: '2026-12-06T10:00:00.000Z',
  payable: true,
  reasons: [],
  currencies: [],
  ...overrides,
});

describe('payability labels', () => {
  it('are the skip reasons’ labels, under the planner’s names for suspension and hold', () => {
    expect(payabilityReasonLabel('TAX_FORM_MISSING')).toBe(SKIP_REASON_LABELS.TAX_FORM_MISSING);
    expect(payabilityReasonLabel('SUSPENDED')).toBe(SKIP_REASON_LABELS.PARTNER_SUSPENDED);
    expect(payabilityReasonLabel('ON_HOLD')).toBe(SKIP_REASON_LABELS.PAYOUT_HOLD);
    expect(payabilityReasonLabel('NO_PAYOUT_METHOD')).toBe('No payout method');
    expect(payabilityReasonLabel('PAYOUT_METHOD_PENDING_CHANGE')).toBe('Payout method change pending');
  });

  it('label every reason in plain words, never the code', () => {
    for (const code of PAYABILITY_REASONS) {
      expect(payabilityReasonLabel(code)).not.toBe(code);
      expect(payabilityReasonLabel(code)).toMatch(/^[A-Z][a-z]/);
    }
  });
});

describe('the "Your next payout" card', () => {
  it('not payable: the blocking reasons first, each with what to do; the balance is held', () => {
    const card = nextPayoutCard(
      view({
        payable: false,
        reasons: [reason('PAYOUT_METHOD_PENDING_CHANGE', false), reason('TAX_FORM_MISSING')],
        currencies: [
          { currency: 'USD', expectedMinor: '12345', minimumMinor: 5000, payable: false, nextPayoutAt: null },
        ],
      }),
      'en-US',
    );
    expect(card.headline).toBe('Not payable');
    expect(card.payable).toBe(false);
    expect(card.reasons.map((r) => r.code)).toEqual(['TAX_FORM_MISSING', 'PAYOUT_METHOD_PENDING_CHANGE']);
    expect(card.reasons[0]).toMatchObject({
      label: 'Tax form missing',
      whatToDo: expect.stringMatching(/Submit your tax form/),
      blocking: true,
    });
    expect(card.currencies).toEqual([
      {
        currency: 'USD',
        outlook: 'HELD',
        amount: '$123.45',
        amountMinor: '12345',
        when: null,
        text: '$123.45: held until the reasons above are resolved',
      },
    ]);
  });

  it('payable: per currency how much (by the currency’s exponent) and when, in the reader’s locale', () => {
    const at = '2027-01-01T06:00:00.000Z';
    const card = nextPayoutCard(
      view({
        currencies: [
          { currency: 'JPY', expectedMinor: '150000', minimumMinor: 1000, payable: true, nextPayoutAt: at },
          { currency: 'EUR', expectedMinor: '123456', minimumMinor: 5000, payable: true, nextPayoutAt: at },
        ],
      }),
      'de-DE',
      'UTC',
    );
    expect(card.headline).toBe('Payable');
    expect(card.reasons).toEqual([]);
    const [jpy, eur] = card.currencies.map((c) => ({ ...c, amount: plain(c.amount), text: plain(c.text) }));
    expect(jpy).toMatchObject({ outlook: 'SCHEDULED', amount: '150.000 ¥', when: '1. Januar 2027 um 06:00' });
    expect(eur).toMatchObject({ amount: '1.234,56 €', text: '1.234,56 € on 1. Januar 2027 um 06:00' });
    const us = nextPayoutCard(view({ currencies: [eurOf(at)] }), 'en-US', 'UTC');
    expect(plain(us.currencies[0]!.text)).toBe('€1,234.56 on January 1, 2027 at 6:00 AM');
  });

  it('payable without a Schedule: the next run, no date', () => {
    const card = nextPayoutCard(view({ currencies: [eurOf(null)] }), 'en-US');
    expect(card.currencies[0]).toMatchObject({ outlook: 'NEXT_RUN', when: null });
    expect(card.currencies[0]!.text).toBe('€1,234.56 with the next settlement run');
  });

  it('below the minimum, nothing yet, or a currency no run pays: says which', () => {
    const card = nextPayoutCard(
      view({
        reasons: [reason('BELOW_MINIMUM', false, 'USD')],
        currencies: [
          { currency: 'USD', expectedMinor: '1200', minimumMinor: 5000, payable: false, nextPayoutAt: null },
          { currency: 'EUR', expectedMinor: '0', minimumMinor: 5000, payable: false, nextPayoutAt: null },
          { currency: 'CHF', expectedMinor: '900', minimumMinor: null, payable: false, nextPayoutAt: null },
        ],
      }),
      'en-US',
    );
    expect(card.payable).toBe(true);
    expect(card.reasons).toEqual([
      expect.objectContaining({ code: 'BELOW_MINIMUM', currency: 'USD', label: 'Below minimum' }),
    ]);
    expect(card.currencies.map((c) => [c.outlook, plain(c.text)])).toEqual([
      ['BELOW_MINIMUM', '$12.00: below the $50.00 minimum, carried forward'],
      ['NOTHING', 'Nothing payable yet'],
      ['NOT_CONFIGURED', 'CHF 9.00: no payout run pays CHF'],
    ]);
  });

  it('amounts past 2^53 stay exact', () => {
    const card = nextPayoutCard(
      view({
        currencies: [
          {
            currency: 'USD',
            expectedMinor: '123456789012345678901',
            minimumMinor: 5000,
            payable: true,
            nextPayoutAt: null,
          },
        ],
      }),
      'en-US',
    );
    expect(card.currencies[0]!.amount).toBe('$1,234,567,890,123,456,789.01');
  });

  it('a malformed date is shown as given rather than as "Invalid Date"', () => {
    expect(formatPayoutDate('soon', 'en-US')).toBe('soon');
  });
});

describe('the Partners page’s payability column and filter', () => {
  const held = view({ payable: false, reasons: [reason('ON_HOLD'), reason('TAX_FORM_REJECTED')] });
  const below = view({
    reasons: [reason('BELOW_MINIMUM', false, 'USD'), reason('BELOW_MINIMUM', false, 'EUR')],
  });

  it('shows the verdict and the reasons’ labels', () => {
    expect(payabilityCell(held)).toEqual({
      label: 'Not payable',
      reasons: ['Payout hold', 'Tax form rejected'],
    });
    expect(payabilityCell(below)).toEqual({
      label: 'Payable',
      reasons: ['Below minimum (USD)', 'Below minimum (EUR)'],
    });
    expect(payabilityCell(undefined)).toEqual({ label: '—', reasons: [] });
  });

  it('filters by verdict or by reason', () => {
    expect(matchesPayability(held, '')).toBe(true);
    expect(matchesPayability(held, 'NOT_PAYABLE')).toBe(true);
    expect(matchesPayability(held, 'PAYABLE')).toBe(false);
    expect(matchesPayability(held, 'TAX_FORM_REJECTED')).toBe(true);
    expect(matchesPayability(held, 'TAX_FORM_MISSING')).toBe(false);
    expect(matchesPayability(below, 'PAYABLE')).toBe(true);
    expect(matchesPayability(below, 'BELOW_MINIMUM')).toBe(true);
    // Not loaded: only "any" shows it, never a verdict it may not have.
    expect(matchesPayability(undefined, '')).toBe(true);
    expect(matchesPayability(undefined, 'PAYABLE')).toBe(false);
  });

  it('offers every reason, labelled', () => {
    expect(PAYABILITY_FILTERS.map((f) => f.value)).toEqual([
      '',
      'PAYABLE',
      'NOT_PAYABLE',
      ...PAYABILITY_REASONS,
    ]);
  });
});

function eurOf(nextPayoutAt: string | null) {
  return { currency: 'EUR', expectedMinor: '123456', minimumMinor: 5000, payable: true, nextPayoutAt };
}
