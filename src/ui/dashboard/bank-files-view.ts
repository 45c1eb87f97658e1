import { Fragment, h, type ComponentChild } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient, BankFile, BankFileAnomaly, BankFileReport } from './api-client';
import {
  anomalyLabel,
  awaitsBank,
  formatAge,
  newestFirst,
  pain001FileName,
  pain001Path,
  pain002FileName,
  pain002Path,
  transferCounts,
} from './bank-file-state';
import { formatWhen, shortId } from './format';
import { formatMinor } from './money-format';
import { StatusChip } from './status-chip';
import { useThrottledReload } from './use-throttled-reload';

/** While a file waits for the bank, nothing streams its change: re-read this often. */
const POLL_MS = 3_000;
/** Payments moving (stream events) is how most files change: re-read at most this often for them. */
const EVENT_REFETCH_MS = 500;
const LIST_LIMIT = 100;

export interface BankFilesPanelProps {
  api: ApiClient;
  /** The signed-in key: everything is re-read when it changes. */
  apiKey: string;
  /** The key may read the documents (operator, admin); the API refuses viewers (they name accounts). */
  canDownload: boolean;
  /** The stream's position: a payment paid, rejected or withdrawn has moved a file. */
  refreshKey: string | number;
  locale: string | undefined;
  onError: (e: unknown, context: string) => void;
}

/**
 * The ISO 20022 file rail: every pain.001 sent (newest first) with what the bank said of it, each
 * file's pain.002 reports, the documents themselves, and what a report said that was not applied.
 */
export function BankFilesPanel(props: BankFilesPanelProps): ComponentChild {
  const { api, apiKey, onError } = props;
  const [files, setFiles] = useState<BankFile[] | undefined>(undefined);
  const [anomalies, setAnomalies] = useState<BankFileAnomaly[] | undefined>(undefined);
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  // The poll retries every few seconds: one toast when reads start failing, not one per attempt.
  const failing = useRef(false);

  const load = useCallback(() => {
    Promise.all([api.listBankFiles(LIST_LIMIT), api.bankFileAnomalies()]).then(
      ([f, a]) => {
        failing.current = false;
        setFiles(newestFirst(f));
        setAnomalies(a);
      },
      (e: unknown) => {
        if (!failing.current) onError(e, 'Could not load the bank files');
        failing.current = true;
      },
    );
  }, [api, onError]);

  useEffect(() => load(), [load, apiKey]);
  useThrottledReload(props.refreshKey, EVENT_REFETCH_MS, load);
  const waiting = files ? awaitsBank(files) : false;
  useEffect(() => {
    if (!waiting) return;
    const t = setInterval(load, POLL_MS);
    return () => clearInterval(t);
  }, [waiting, load]);

  const toggle = (msgId: string) =>
    setOpen((s) => {
      const next = new Set(s);
      if (!next.delete(msgId)) next.add(msgId);
      return next;
    });

  return h(
    Fragment,
    null,
    h(
      'section',
      {
        class: 'panel panel-wide',
        'aria-labelledby': 'bank-files-heading',
        'data-testid': 'bank-files-panel',
      },
      h(
        'div',
        { class: 'panel-head' },
        h(
          'h2',
          { id: 'bank-files-heading', class: 'panel-title', tabIndex: -1 },
          'Bank files ',
          h('span', { class: 'count', 'data-testid': 'bank-files-count' }, files?.length ?? 0),
        ),
        h('span', { class: 'muted small' }, 'pain.001 sent, newest first; pain.002 as the bank answered'),
      ),
      !files
        ? h('p', { class: 'muted' }, 'Loading…')
        : files.length === 0
          ? h(
              'p',
              { class: 'muted panel-note', 'data-testid': 'bank-files-empty' },
              'No bank files yet: payouts routed to iso20022-file are filed on the next cycle.',
            )
          : h(
              'div',
              { class: 'table-wrap' },
              h(
                'table',
                { class: 'payments bank-files', 'data-testid': 'bank-files-table' },
                h('caption', { class: 'visually-hidden' }, 'Bank files, newest first, updated live'),
                h(
                  'thead',
                  null,
                  h(
                    'tr',
                    null,
                    h(
                      'th',
                      { scope: 'col', class: 'col-expand' },
                      h('span', { class: 'visually-hidden' }, 'Reports'),
                    ),
                    h('th', { scope: 'col' }, 'File'),
                    h('th', { scope: 'col' }, 'Currency'),
                    h('th', { scope: 'col' }, 'Execution'),
                    h('th', { scope: 'col', class: 'num' }, 'Transfers'),
                    h('th', { scope: 'col', class: 'num' }, 'Control sum'),
                    h('th', { scope: 'col' }, 'By status'),
                    h('th', { scope: 'col', class: 'num' }, 'Reports'),
                    h('th', { scope: 'col' }, 'Status'),
                    h('th', { scope: 'col' }, 'pain.001'),
                  ),
                ),
                h(
                  'tbody',
                  null,
                  files.map((f) =>
                    h(BankFileRow, {
                      key: f.msgId,
                      file: f,
                      open: open.has(f.msgId),
                      toggle: () => toggle(f.msgId),
                      props,
                    }),
                  ),
                ),
              ),
            ),
    ),
    h(AnomaliesPanel, { anomalies }),
  );
}

function BankFileRow(p: {
  file: BankFile;
  open: boolean;
  toggle: () => void;
  props: BankFilesPanelProps;
}): ComponentChild {
  const { file: f, props } = p;
  const detailId = `bank-file-detail-${f.msgId}`;
  return h(
    Fragment,
    null,
    h(
      'tr',
      {
        class: `row${p.open ? ' row-open' : ''}`,
        'data-testid': `bank-file-row-${f.msgId}`,
        'data-status': f.status,
      },
      h(
        'td',
        { class: 'col-expand' },
        h(
          'button',
          {
            type: 'button',
            class: 'icon-button expand',
            'aria-expanded': p.open,
            'aria-controls': detailId,
            'aria-label': `${p.open ? 'Hide' : 'Show'} reports of file ${shortId(f.msgId)}`,
            'data-testid': `bank-file-expand-${f.msgId}`,
            onClick: p.toggle,
          },
          h('span', { class: 'chevron', 'aria-hidden': 'true' }, '›'),
        ),
      ),
      h(
        'td',
        { class: 'payment-cell' },
        h('code', { class: 'mono payment-id', title: f.msgId }, shortId(f.msgId)),
        h(
          'span',
          { class: 'payment-meta' },
          h('time', { dateTime: f.createdAt, title: `built ${f.createdAt}` }, formatWhen(f.createdAt)),
          h('span', { 'aria-hidden': 'true' }, ' · '),
          h('span', { title: 'debtor account' }, f.debtorAccount),
        ),
      ),
      h('td', { 'data-testid': `bank-file-currency-${f.msgId}` }, f.currency),
      h('td', { class: 'mono' }, f.executionDate),
      h(
        'td',
        { class: 'num', 'data-testid': `bank-file-count-${f.msgId}`, 'data-count': f.numberOfTransactions },
        f.numberOfTransactions,
      ),
      h(
        'td',
        {
          class: 'num amount',
          'data-testid': `bank-file-sum-${f.msgId}`,
          'data-minor': f.controlSumMinor,
          'data-currency': f.currency,
        },
        formatMinor(f.controlSumMinor, f.currency, props.locale),
      ),
      h(
        'td',
        { 'data-testid': `bank-file-transfers-${f.msgId}` },
        transferCounts(f.items).map(([status, n]) =>
          h(
            'span',
            { key: status, class: 'transfer-count', 'data-transfer-status': status, 'data-count': n },
            h(StatusChip, { status, small: true }),
            ` ${n}`,
          ),
        ),
      ),
      h(
        'td',
        { class: 'num', 'data-testid': `bank-file-reports-${f.msgId}`, 'data-count': f.reports },
        f.reports,
      ),
      h('td', null, h(StatusChip, { status: f.status, testId: `bank-file-status-${f.msgId}` })),
      h(
        'td',
        null,
        h(DocumentLink, {
          api: props.api,
          path: pain001Path(f.msgId),
          fileName: pain001FileName(f.msgId),
          allowed: props.canDownload,
          testId: `bank-file-pain001-${f.msgId}`,
          label: 'pain.001',
          onError: props.onError,
        }),
      ),
    ),
    p.open
      ? h(
          'tr',
          { class: 'detail-row', id: detailId, 'data-testid': detailId },
          h('td', { colSpan: 10 }, h(BankFileDetail, { file: f, props })),
        )
      : null,
  );
}

function BankFileDetail(p: { file: BankFile; props: BankFilesPanelProps }): ComponentChild {
  const { file: f, props } = p;
  const { api } = props;
  const [reports, setReports] = useState<BankFileReport[] | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);

  // A new report moves the file's count: re-read the list when it does.
  useEffect(() => {
    let cancelled = false;
    api.bankFileReports(f.msgId).then(
      (r) => {
        if (cancelled) return;
        setReports(r);
        setError(null);
      },
      (e: unknown) => !cancelled && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      cancelled = true;
    };
  }, [api, f.msgId, f.reports, f.status]);

  const facts: Array<[string, string | null]> = [
    ['MsgId', f.msgId],
    ['PmtInfId', f.paymentInformationId],
    ['Debtor account', f.debtorAccount],
    ["Bank's file id", f.bankFileId],
    ['Submitted', f.submittedAt ? formatWhen(f.submittedAt) : null],
    ['Refused because', f.refusal],
  ];
  return h(
    'div',
    { class: 'detail' },
    h(
      'div',
      { class: 'detail-col' },
      h('h3', { class: 'detail-title' }, 'File'),
      h(
        'dl',
        { class: 'facts' },
        ...facts
          .filter(([, v]) => v)
          .flatMap(([k, v]) => [h('dt', null, k), h('dd', null, h('code', { class: 'mono' }, v))]),
      ),
    ),
    h(
      'div',
      { class: 'detail-col', 'data-testid': `bank-file-report-list-${f.msgId}` },
      h('h3', { class: 'detail-title' }, `pain.002 reports (${reports?.length ?? f.reports})`),
      error ? h('p', { class: 'muted', role: 'alert' }, `Could not load the reports: ${error}`) : null,
      !reports
        ? error
          ? null
          : h('p', { class: 'muted' }, 'Loading…')
        : reports.length === 0
          ? h('p', { class: 'muted' }, 'The bank has not answered this file yet.')
          : h(
              'ol',
              { class: 'attempts' },
              reports.map((r) =>
                h(
                  'li',
                  { key: r.id, 'data-testid': 'bank-file-report', 'data-report-id': r.id },
                  h('code', { class: 'mono', title: r.msgId }, shortId(r.msgId)),
                  h('span', { 'data-group-status': r.groupStatus ?? '' }, r.groupStatus ?? '—'),
                  h('time', { class: 'muted', dateTime: r.receivedAt }, formatWhen(r.receivedAt)),
                  h(DocumentLink, {
                    api,
                    path: pain002Path(f.msgId, r.id),
                    fileName: pain002FileName(r.id),
                    allowed: props.canDownload,
                    testId: 'bank-file-pain002',
                    label: 'pain.002',
                    onError: props.onError,
                  }),
                ),
              ),
            ),
    ),
  );
}

/**
 * A document of the API as a link: its real address in `href` (copyable), but a click fetches it
 * with the key and saves the bytes, since the API reads the key only from the Authorization header.
 */
function DocumentLink(p: {
  api: ApiClient;
  path: string;
  fileName: string;
  allowed: boolean;
  testId: string;
  label: string;
  onError: (e: unknown, context: string) => void;
}): ComponentChild {
  const [busy, setBusy] = useState(false);
  if (!p.allowed)
    return h(
      'span',
      { class: 'muted small', title: 'Documents name accounts: operators only' },
      'operators only',
    );
  return h(
    'a',
    {
      class: 'link',
      href: p.api.url(p.path),
      download: p.fileName,
      'aria-busy': busy,
      'data-testid': p.testId,
      onClick: (e: MouseEvent) => {
        e.preventDefault();
        if (busy) return;
        setBusy(true);
        p.api
          .download(p.path)
          .then(
            (blob) => saveBlob(blob, p.fileName),
            (err: unknown) => p.onError(err, `Could not download ${p.fileName}`),
          )
          .finally(() => setBusy(false));
      },
    },
    `${p.label} ↓`,
  );
}

function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  // The browser has taken the bytes once the click is handled; the URL would only pin them in memory.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function AnomaliesPanel(p: { anomalies: BankFileAnomaly[] | undefined }): ComponentChild {
  const now = new Date();
  return h(
    'section',
    {
      class: `panel panel-wide${p.anomalies?.length ? ' panel-alert' : ''}`,
      'aria-labelledby': 'bank-anomalies-heading',
      'data-testid': 'bank-file-anomalies',
    },
    h(
      'div',
      { class: 'panel-head' },
      h(
        'h2',
        { id: 'bank-anomalies-heading', class: 'panel-title' },
        'Report anomalies ',
        h('span', { class: 'count', 'data-testid': 'bank-file-anomalies-count' }, p.anomalies?.length ?? 0),
      ),
      h('span', { class: 'muted small' }, 'what a pain.002 said that was kept, not applied'),
    ),
    !p.anomalies
      ? h('p', { class: 'muted' }, 'Loading…')
      : p.anomalies.length === 0
        ? h(
            'p',
            { class: 'muted panel-note', 'data-testid': 'bank-file-anomalies-empty' },
            'None: every report applied.',
          )
        : h(
            'table',
            { class: 'payments' },
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                ['Kind', 'Detail', 'File', 'EndToEndId', 'Age'].map((c) =>
                  h('th', { key: c, scope: 'col' }, c),
                ),
              ),
            ),
            h(
              'tbody',
              null,
              p.anomalies.map((a) =>
                h(
                  'tr',
                  { key: a.id, 'data-testid': 'bank-file-anomaly', 'data-kind': a.kind },
                  h('td', null, h('strong', { 'data-kind': a.kind }, anomalyLabel(a.kind))),
                  h('td', null, a.detail),
                  h(
                    'td',
                    null,
                    a.originalMsgId
                      ? h('code', { class: 'mono', title: a.originalMsgId }, shortId(a.originalMsgId))
                      : '—',
                  ),
                  h('td', null, a.endToEndId ? h('code', { class: 'mono' }, a.endToEndId) : '—'),
                  h(
                    'td',
                    { class: 'muted' },
                    h('time', { dateTime: a.createdAt, title: a.createdAt }, formatAge(a.createdAt, now)),
                  ),
                ),
              ),
            ),
          ),
  );
}
