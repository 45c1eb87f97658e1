import { requiresApproval } from './approval-policy';
import { Money } from './money.value-object';

describe('requiresApproval', () => {
  const thresholds = { COP: 500_000_00, USD: 1_000_00, JPY: 0 };

  it.each<[number, string, boolean]>([
    [1_000_00, 'USD', false], // exactly at the threshold: no approval
    [1_000_01, 'USD', true], // strictly above
    [999_99, 'USD', false],
    [0, 'USD', false],
    [500_000_00, 'COP', false],
    [500_000_01, 'COP', true],
    [0, 'JPY', false],
    [1, 'JPY', true],
    [1, 'EUR', true], // no threshold configured → fail closed
    [0, 'EUR', true],
  ])('%i %s → %p', (amount, currency, expected) => {
    expect(requiresApproval(Money.of(amount, currency), thresholds)).toBe(expected);
  });

  it('requires approval for every currency when no thresholds are configured', () => {
    expect(requiresApproval(Money.of(1, 'USD'), {})).toBe(true);
  });

  it.each([NaN, -1, 1.5, Infinity, '100' as unknown as number, null as unknown as number])(
    'fails closed on a broken threshold %p',
    (threshold) => {
      expect(requiresApproval(Money.of(1, 'USD'), { USD: threshold })).toBe(true);
    },
  );

  it('ignores inherited properties', () => {
    const inherited = Object.create({ USD: 1_000_000 }) as Record<string, number>;
    expect(requiresApproval(Money.of(1, 'USD'), inherited)).toBe(true);
  });
});
