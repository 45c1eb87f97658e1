import { compareMinor, formatMinor, formatMinorString, parseAmount, sumMinor } from './money-format';

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

  it('formats decimal strings of minor units exactly, also beyond 2^53 and below zero', () => {
    expect(formatMinorString('15015', 'USD', 'en-US')).toBe('$150.15');
    expect(formatMinorString('5', 'USD', 'en-US')).toBe('$0.05');
    expect(formatMinorString('0', 'USD', 'en-US')).toBe('$0.00');
    expect(formatMinorString('-0', 'USD', 'en-US')).toBe('$0.00');
    expect(formatMinorString('-1500', 'EUR', 'en-US')).toBe('-€15.00');
    expect(formatMinorString('007', 'USD', 'en-US')).toBe('$0.07');
    expect(formatMinorString('1234', 'BHD', 'en-US')).toBe('BHD\u00a01.234');
    expect(formatMinorString('500', 'JPY', 'en-US')).toBe('¥500');
    // 2^53 + 1 as a float would print …992; as text it stays …993.
    expect(formatMinorString('9007199254740993', 'USD', 'en-US')).toBe('$90,071,992,547,409.93');
    expect(formatMinorString('123456789012345678901234', 'USD', 'en-US')).toBe(
      '$1,234,567,890,123,456,789,012.34',
    );
    expect(formatMinorString('1505000', 'COP', 'en-US')).toBe(formatMinor(1505000, 'COP', 'en-US'));
  });

  it('shows malformed amounts and unknown currencies as they came', () => {
    expect(formatMinorString('1.5', 'USD', 'en-US')).toBe('1.5 USD (minor units)');
    expect(formatMinorString('12', 'XXX', 'en-US')).toBe('12 XXX (minor units)');
  });

  it('compares decimal strings as integers', () => {
    expect(compareMinor('9007199254740993', '9007199254740992')).toBe(1);
    expect(compareMinor('-1', '0')).toBe(-1);
    expect(compareMinor('0', '-0')).toBe(0);
  });
});
