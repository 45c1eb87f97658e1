import { csvDecimal, csvRow, type CsvValue } from './csv.util';
import { Money } from './money.value-object';

/**
 * A remittance advice: what a payout paid, line by line — every commission and clawback behind
 * it — for the partner's and the accountants' records. Pure: the read side fills it, the API and
 * the email channel render it.
 */
export interface StatementLine {
  reference: string;
  kind: 'COMMISSION' | 'CLAWBACK';
  description: string;
  /** When the conversion happened (the clawback's reversal, for a clawback); null for hand-typed lines. */
  occurredAt: string | null;
  /** Negative for a clawback. */
  amountMinor: number;
}

export interface RemittanceStatement {
  paymentId: string;
  partner: { id: string; name: string };
  currency: string;
  status: string;
  settlementId: string | null;
  periodEnd: string | null;
  createdAt: string;
  payoutReference: string | null;
  lines: StatementLine[];
  commissionsMinor: number;
  clawbacksMinor: number;
  netMinor: number;
}

export type StatementDraft = Omit<RemittanceStatement, 'commissionsMinor' | 'clawbacksMinor' | 'netMinor'>;

/** Totals from the lines themselves, so the document can never disagree with what it lists. */
export function completeStatement(draft: StatementDraft): RemittanceStatement {
  const commissionsMinor = draft.lines
    .filter((l) => l.amountMinor > 0)
    .reduce((s, l) => s + l.amountMinor, 0);
  const clawbacksMinor = draft.lines.filter((l) => l.amountMinor < 0).reduce((s, l) => s + l.amountMinor, 0);
  return { ...draft, commissionsMinor, clawbacksMinor, netMinor: commissionsMinor + clawbacksMinor };
}

/** Exact, sign-aware decimal for documents: "-12.50" (never a float on the way). */
function decimal(amountMinor: number, currency: string): string {
  const money = Money.of(Math.abs(amountMinor), currency);
  return `${amountMinor < 0 ? '-' : ''}${money.toDecimalString()}`;
}

function display(amountMinor: number, currency: string): string {
  const text = Money.of(Math.abs(amountMinor), currency).format('en-US');
  return amountMinor < 0 ? `−${text}` : text;
}

export function statementCsv(s: RemittanceStatement): string {
  const rows: CsvValue[][] = [
    [
      'payment_id',
      'partner_id',
      'reference',
      'kind',
      'occurred_at',
      'description',
      'currency',
      'amount_minor',
      'amount',
    ],
    ...s.lines.map((l) => [
      s.paymentId,
      s.partner.id,
      l.reference,
      l.kind,
      l.occurredAt,
      l.description,
      s.currency,
      l.amountMinor,
      csvDecimal(decimal(l.amountMinor, s.currency)),
    ]),
    [
      s.paymentId,
      s.partner.id,
      'TOTAL',
      'NET',
      null,
      'commissions minus clawbacks',
      s.currency,
      s.netMinor,
      csvDecimal(decimal(s.netMinor, s.currency)),
    ],
  ];
  return `${rows.map(csvRow).join('\r\n')}\r\n`;
}

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** A printable, self-contained page (no scripts, no external assets): print to PDF from any browser. */
export function statementHtml(s: RemittanceStatement): string {
  const e = escapeHtml;
  const row = (l: StatementLine): string =>
    `<tr class="${l.kind === 'CLAWBACK' ? 'clawback' : ''}"><td>${e(l.reference)}</td><td>${l.kind === 'CLAWBACK' ? 'Clawback' : 'Commission'}</td>` +
    `<td>${e(l.occurredAt ? l.occurredAt.slice(0, 10) : '')}</td><td>${e(l.description)}</td>` +
    `<td class="num">${e(display(l.amountMinor, s.currency))}</td></tr>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Remittance advice ${e(s.paymentId)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#111}h1{font-size:1.4rem;margin:0 0 .25rem}
table{border-collapse:collapse;width:100%;margin-top:1rem}th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}tr.clawback td{color:#a40000}
tfoot td{font-weight:600;border-top:2px solid #111}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:1rem 0}
dt{color:#555}@media print{body{margin:0}}
</style></head><body>
<h1>Remittance advice</h1><p>Alpes Partners — payout to ${e(s.partner.name)}</p>
<dl><dt>Payment</dt><dd>${e(s.paymentId)}</dd><dt>Partner</dt><dd>${e(s.partner.name)} (${e(s.partner.id)})</dd>
<dt>Status</dt><dd>${e(s.status)}</dd><dt>Settlement</dt><dd>${e(s.settlementId ?? '—')}${s.periodEnd ? ` (period ending ${e(s.periodEnd)})` : ''}</dd>
<dt>Created</dt><dd>${e(s.createdAt)}</dd><dt>Bank reference</dt><dd>${e(s.payoutReference ?? '—')}</dd></dl>
<table><thead><tr><th>Reference</th><th>Kind</th><th>Date</th><th>Description</th><th class="num">Amount</th></tr></thead>
<tbody>${s.lines.map(row).join('')}</tbody>
<tfoot><tr><td colspan="4">Commissions</td><td class="num">${e(display(s.commissionsMinor, s.currency))}</td></tr>
<tr><td colspan="4">Clawbacks</td><td class="num">${e(display(s.clawbacksMinor, s.currency))}</td></tr>
<tr><td colspan="4">Paid</td><td class="num">${e(display(s.netMinor, s.currency))}</td></tr></tfoot></table>
</body></html>
`;
}
