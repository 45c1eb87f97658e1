/**
 * One CSV field per RFC 4180, and a leading quote for text a spreadsheet would otherwise run as a
 * formula (CSV injection): reports and statements are opened in spreadsheets.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
