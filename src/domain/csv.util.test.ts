import { csvDecimal, csvField, csvRow } from './csv.util';

describe('csvField', () => {
  it('writes numbers raw, negative ones included: a spreadsheet must read them as numbers', () => {
    expect(csvField(-3000)).toBe('-3000');
    expect(csvField(0)).toBe('0');
    expect(csvField(-18_000_000_000_000_000n)).toBe('-18000000000000000');
    expect(csvField(csvDecimal('-30.00'))).toBe('-30.00');
    expect(csvField(csvDecimal('-3000'))).toBe('-3000');
    expect(csvField(csvDecimal('12.345'))).toBe('12.345');
  });

  it.each([
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['+1+2', "'+1+2"],
    ['-1+2', "'-1+2"],
    ['-3000', "'-3000"],
    ['@SUM(A1:A2)', "'@SUM(A1:A2)"],
    ['\t=1', "'\t=1"],
    ['\r=1', `"'\r=1"`],
  ])('guards text that starts like a formula: %j', (text, written) => {
    expect(csvField(text)).toBe(written);
  });

  it('leaves other text alone, quoting per RFC 4180', () => {
    expect(csvField('Order 1')).toBe('Order 1');
    expect(csvField('a, b')).toBe('"a, b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('1-2')).toBe('1-2');
    expect(csvField(null)).toBe('');
    expect(csvField('')).toBe('');
  });

  it('refuses a numeric field that is not a plain decimal, so no text slips past the guard', () => {
    for (const text of ['=1+2', '-', '', '1e5', '--1', '- 1', '1.', '.5', '+1', '1,000', '0x10', 'NaN']) {
      expect(() => csvDecimal(text)).toThrow(TypeError);
    }
    expect(() => csvField(Number.NaN)).toThrow(TypeError);
    expect(() => csvField(Number.POSITIVE_INFINITY)).toThrow(TypeError);
  });

  it('joins a row', () => {
    expect(csvRow(['a', -1, null, csvDecimal('-0.50'), '-x'])).toBe("a,-1,,-0.50,'-x");
  });
});
