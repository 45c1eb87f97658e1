/**
 * CSV for reports and statements (RFC 4180 quoting). They are opened in spreadsheets, so text a
 * spreadsheet would run as a formula (CSV injection) gets a leading quote — text only: a number is
 * a number, and a guarded "-3000" would reach accounting as text, not as a negative amount.
 */

/** An exact number the caller holds as text (a bigint sum, a "-30.00" decimal): written raw. */
export interface CsvDecimal {
  readonly decimal: string;
}

export type CsvValue = string | number | bigint | CsvDecimal | null;

const DECIMAL = /^-?\d+(\.\d+)?$/;
/** OWASP's list: what a spreadsheet may take as the start of a formula (tab and CR included). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** A numeric field from text; anything but digits, one optional minus and a decimal part is refused. */
export function csvDecimal(text: string): CsvDecimal {
  // A bug, not an expected failure: only our own formatting reaches here.
  if (!DECIMAL.test(text)) throw new TypeError(`not a decimal number: ${JSON.stringify(text)}`);
  return Object.freeze({ decimal: text });
}

const quoted = (text: string): string => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

export function csvField(value: CsvValue): string {
  if (value === null) return '';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`not a finite number: ${value}`);
    return String(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'object') return value.decimal;
  return quoted(FORMULA_START.test(value) ? `'${value}` : value);
}

/** One CSV line (no line break). */
export const csvRow = (values: readonly CsvValue[]): string => values.map(csvField).join(',');
