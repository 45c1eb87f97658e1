import { CommissionLine, type CommissionLineProps } from './commission-line.value-object';
import { ErrorCodes } from './domain-error';
import { expectDomainError } from '../../test/support/expect-domain-error';

const valid: CommissionLineProps = {
  reference: 'ORD-1',
  amountMinor: 1000,
  description: 'Order 1 commission',
};

describe('CommissionLine.create', () => {
  it('creates a line with Money in the payment currency', () => {
    const line = CommissionLine.create(valid, 'COP');
    expect(line.reference).toBe('ORD-1');
    expect(line.amount.amountMinor).toBe(1000);
    expect(line.amount.currency).toBe('COP');
    expect(line.description).toBe('Order 1 commission');
    expect(line.toProps()).toEqual(valid);
  });

  it('trims reference and description', () => {
    const line = CommissionLine.create(
      { reference: '  ORD-1 ', amountMinor: 1, description: '  x  ' },
      'USD',
    );
    expect(line.reference).toBe('ORD-1');
    expect(line.description).toBe('x');
  });

  it.each([
    ['a single character', 'R'],
    ['exactly 100 characters', 'r'.repeat(100)],
    ['100 astral characters (code points, not UTF-16 units)', '😀'.repeat(100)],
  ])('accepts a reference of %s', (_label, reference) => {
    expect(CommissionLine.create({ ...valid, reference }, 'USD').reference).toBe(reference);
  });

  it.each([
    ['empty', ''],
    ['exactly 500 characters', 'd'.repeat(500)],
    ['500 characters surrounded by spaces', `  ${'d'.repeat(500)}  `],
  ])('accepts a description that is %s', (_label, description) => {
    expect(CommissionLine.create({ ...valid, description }, 'USD').description).toBe(description.trim());
  });

  it.each([
    ['reference', 'empty', '', ErrorCodes.LINE_INVALID_REFERENCE],
    ['reference', 'blank', '   ', ErrorCodes.LINE_INVALID_REFERENCE],
    ['reference', '101 characters', 'r'.repeat(101), ErrorCodes.LINE_INVALID_REFERENCE],
    ['reference', '101 astral characters', '😀'.repeat(101), ErrorCodes.LINE_INVALID_REFERENCE],
    ['reference', 'not a string', 42, ErrorCodes.LINE_INVALID_REFERENCE],
    ['reference', 'missing', undefined, ErrorCodes.LINE_INVALID_REFERENCE],
    ['description', '501 characters', 'd'.repeat(501), ErrorCodes.LINE_INVALID_DESCRIPTION],
    ['description', 'not a string', 7, ErrorCodes.LINE_INVALID_DESCRIPTION],
    ['description', 'null', null, ErrorCodes.LINE_INVALID_DESCRIPTION],
  ] as const)('rejects a %s that is %s', (field, _label, value, code) => {
    expectDomainError(() => CommissionLine.create({ ...valid, [field]: value as string }, 'USD'), code);
  });

  it.each([0, -0, -1, -1000])('rejects non-positive amount %p', (amountMinor) => {
    expectDomainError(
      () => CommissionLine.create({ ...valid, amountMinor }, 'USD'),
      ErrorCodes.LINE_NON_POSITIVE_AMOUNT,
    );
  });

  it.each([1.5, NaN, Infinity, Number.MAX_SAFE_INTEGER + 1, '10' as unknown as number])(
    'rejects invalid amount %p via Money',
    (amountMinor) => {
      expectDomainError(
        () => CommissionLine.create({ ...valid, amountMinor }, 'USD'),
        ErrorCodes.MONEY_INVALID_AMOUNT,
      );
    },
  );

  it('accepts the smallest and largest amounts', () => {
    expect(CommissionLine.create({ ...valid, amountMinor: 1 }, 'USD').amount.amountMinor).toBe(1);
    expect(
      CommissionLine.create({ ...valid, amountMinor: Number.MAX_SAFE_INTEGER }, 'USD').amount.amountMinor,
    ).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('rejects an unknown currency', () => {
    expectDomainError(() => CommissionLine.create(valid, 'EURO'), ErrorCodes.MONEY_UNKNOWN_CURRENCY);
  });

  it('is immutable', () => {
    expect(Object.isFrozen(CommissionLine.create(valid, 'USD'))).toBe(true);
  });
});
