import { formatMinor, parseAmount, sumMinor } from './money-format';

describe('dashboard money', () => {
  it('converts decimals to minor units exactly, per currency digits', () => {
    expect(parseAmount('15050.00', 'COP')).toEqual({ ok: true, amountMinor: 1505000 });
    expect(parseAmount('1.10', 'USD')).toEqual({ ok: true, amountMinor: 110 });
    expect(parseAmount('0.29', 'USD')).toEqual({ ok: true, amountMinor: 29 });
    expect(parseAmount('500', 'JPY')).toEqual({ ok: true, amountMinor: 500 });
    expect(parseAmount('1.234', 'BHD')).toEqual({ ok: true, amountMinor: 1234 });
    expect(parseAmount(' 90071992547409.91 ', 'USD')).toEqual({ ok: true, amountMinor: 9007199254740991 });
  });

  it('refuses what minor units cannot hold instead of rounding', () => {
    expect(parseAmount('1.005', 'USD')).toMatchObject({ ok: false });
    expect(parseAmount('1.5', 'JPY')).toMatchObject({ ok: false });
    expect(parseAmount('1,50', 'EUR')).toMatchObject({ ok: false });
    expect(parseAmount('-3', 'EUR')).toMatchObject({ ok: false });
    expect(parseAmount('0.00', 'EUR')).toEqual({ ok: false, message: 'must be more than zero' });
    expect(parseAmount('', 'EUR')).toMatchObject({ ok: false });
    expect(parseAmount('90071992547409.92', 'USD')).toMatchObject({ ok: false });
  });

  it('formats minor units with the currency digits', () => {
    expect(formatMinor(1505000, 'COP', 'en-US')).toBe('COP\u00a015,050.00');
    expect(formatMinor(500, 'JPY', 'en-US')).toBe('¥500');
    expect(formatMinor(5, 'USD', 'en-US')).toBe('$0.05');
    expect(formatMinor(12, 'XXX', 'en-US')).toBe('12 XXX (minor units)');
  });

  it('sums without leaving the safe integer range', () => {
    expect(sumMinor([10, 20])).toBe(30);
    expect(sumMinor([Number.MAX_SAFE_INTEGER, 1])).toBeUndefined();
  });
});
