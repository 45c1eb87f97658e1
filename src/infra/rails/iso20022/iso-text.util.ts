import { BankFileErrorCodes, bankFileError } from './bank-file.errors';

/**
 * C0 and C1 controls (tab and newline included: no ISO name or reference carries them), the two
 * XML non-characters U+FFFE and U+FFFF, and lone surrogates (not encodable as UTF-8).
 */
function hasForbiddenCharacter(text: string): boolean {
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f) || cp === 0xfffe || cp === 0xffff) return true;
    if (cp >= 0xd800 && cp <= 0xdfff) return true; // iterating by code point leaves only lone surrogates here
  }
  return false;
}

/**
 * A text for an ISO 20022 MaxNText field: trimmed, 1..max characters (counted as code points, as
 * XSD length facets are), no control characters. Escaping is the XML library's job, not ours.
 */
export function isoText(value: string, max: number, field: string): string {
  const text = typeof value === 'string' ? value.trim() : '';
  const length = [...text].length;
  if (length === 0 || length > max || hasForbiddenCharacter(text)) {
    throw bankFileError(
      BankFileErrorCodes.INVALID_TEXT,
      `${field} must be 1 to ${max} characters without control characters`,
      { field, length },
    );
  }
  return text;
}
