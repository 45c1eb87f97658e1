import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  DoughnutController,
  Legend,
  LinearScale,
  Tooltip,
  type ChartConfiguration,
  type ChartType,
} from 'chart.js';
import { h, type ComponentChild, type ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  approvalQueueAge,
  deliverySuccessByChannel,
  formatRate,
  formatWait,
  moneyTick,
  payoutVolumePerDay,
  pickCurrency,
  QUEUE_AGE_BUCKETS,
  statusMix,
} from './chart-data';
import type { FeedEntry, PaymentRow } from './dashboard-state';
import { statusLabel } from './format';
import { formatMinor, sumMinor } from './money-format';

// Only what these four charts draw: the rest of chart.js stays out of the bundle.
Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  DoughnutController,
  ArcElement,
  Legend,
  Tooltip,
);
// The page's own type (styles.css): a canvas does not inherit it.
Chart.defaults.font.family =
  "Inter, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

/** The status chips' colours (styles.css), so a status looks the same in the table and the chart. */
const STATUS_COLORS: Record<string, string> = {
  PENDING: '#94a3b8',
  AWAITING_APPROVAL: '#f79009',
  PROCESSING: '#175cd3',
  PAYOUT_UNKNOWN: '#b54708',
  COMPLETED: '#067647',
  FAILED: '#b42318',
  REJECTED: '#c11574',
  CANCELLED: '#667085',
  REFUNDED: '#6941c6',
  RETURNED: '#c4320a',
  COMPENSATION_FAILED: '#7a271a',
};
const BRAND = '#0b5cab';
const SUCCESS = '#067647';
const DANGER = '#b42318';
const GRID = '#e2e8f0';
const TEXT = '#475569';

const CHANNEL_LABELS: Record<string, string> = { EMAIL: 'Email', WEBHOOK: 'Webhook', IN_APP: 'In app' };
const channelLabel = (c: string): string => CHANNEL_LABELS[c] ?? c;

/** The approval queue's ages move with the clock, not only with events: re-bucket this often. */
const QUEUE_CLOCK_MS = 30_000;

type Plotted = Chart<ChartType, number[], string>;

/**
 * One canvas and its chart object, made once on mount and destroyed on unmount; each new `data`
 * is written into the same object and redrawn without animation (`update('none')`), so a burst of
 * stream events does not rebuild charts or replay their entry animations. What was plotted is
 * read back from the chart into `data-*` attributes: the browser test compares it with the API.
 */
function LiveChart<D>(props: {
  testId: string;
  title: string;
  /** A text alternative for the canvas, in words. */
  summary: string;
  config: () => ChartConfiguration<ChartType, number[], string>;
  data: D;
  apply: (chart: Plotted, data: D) => void;
  /** Machine keys of the plotted labels (statuses, channels), for tests and tooling. */
  keys?: readonly string[];
  controls?: ComponentChildren;
  children?: ComponentChildren;
}): ComponentChild {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const figureRef = useRef<HTMLElement>(null);
  const chartRef = useRef<Plotted | null>(null);
  const updatesRef = useRef(0);
  const { config, apply, data, keys } = props;

  useEffect(() => {
    chartRef.current = new Chart(canvasRef.current!, config());
    return () => {
      chartRef.current?.destroy();
      chartRef.current = null;
    };
    // Made once per mount (the first `config` is the one used); later data goes through `apply`.
  }, []);

  useEffect(() => {
    const chart = chartRef.current;
    const figure = figureRef.current;
    if (!chart || !figure) return;
    apply(chart, data);
    chart.update('none');
    updatesRef.current += 1;
    figure.setAttribute('data-chart-id', String(chart.id));
    figure.setAttribute('data-updates', String(updatesRef.current));
    figure.setAttribute('data-labels', JSON.stringify(chart.data.labels ?? []));
    figure.setAttribute(
      'data-series',
      JSON.stringify(chart.data.datasets.map((d) => ({ label: d.label ?? '', data: d.data }))),
    );
    if (keys) figure.setAttribute('data-keys', JSON.stringify(keys));
  }, [apply, data, keys]);

  const headingId = `${props.testId}-heading`;
  return h(
    'section',
    { class: 'panel chart-panel', 'aria-labelledby': headingId },
    h(
      'div',
      { class: 'panel-head' },
      h('h2', { id: headingId, class: 'panel-title' }, props.title),
      props.controls,
    ),
    h(
      'figure',
      { class: 'chart-figure', ref: figureRef, 'data-testid': props.testId },
      h(
        'div',
        { class: 'chart-box' },
        h('canvas', { ref: canvasRef, role: 'img', 'aria-label': props.summary }),
      ),
      h('figcaption', { class: 'chart-caption' }, props.children),
    ),
  );
}

function baseOptions(): ChartConfiguration<ChartType, number[], string>['options'] {
  return {
    // Sized by its box (styles.css) through a ResizeObserver: chart.js 4 injects no stylesheet.
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    plugins: { legend: { labels: { color: TEXT } } },
  };
}

const countAxis = { beginAtZero: true, ticks: { precision: 0, color: TEXT }, grid: { color: GRID } };
const categoryAxis = { ticks: { color: TEXT }, grid: { display: false } };

/**
 * Charts of what the stream keeps current: payout volume per day (one currency at a time, as
 * money), the status mix, the approval queue's age and the delivery success per channel.
 */
export function ChartsPanel(props: {
  payments: Readonly<Record<string, PaymentRow>>;
  notifications: Readonly<Record<string, readonly FeedEntry[]>>;
  locale: string | undefined;
}): ComponentChild {
  const { payments, notifications, locale } = props;
  const [wantedCurrency, setWantedCurrency] = useState('');
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), QUEUE_CLOCK_MS);
    return () => clearInterval(timer);
  }, []);

  const volume = useMemo(() => payoutVolumePerDay(payments), [payments]);
  const currencies = volume.series.map((s) => s.currency);
  const currency = pickCurrency(currencies, wantedCurrency);
  const plottedVolume = useMemo(
    () => ({
      days: volume.days,
      currency,
      minor: volume.series.find((s) => s.currency === currency)?.minor ?? [],
    }),
    [volume, currency],
  );
  const mix = useMemo(() => statusMix(payments), [payments]);
  const mixKeys = useMemo(() => mix.map((m) => m.status), [mix]);
  const queue = useMemo(() => approvalQueueAge(payments, now), [payments, now]);
  const delivery = useMemo(() => deliverySuccessByChannel(notifications), [notifications]);
  const deliveryKeys = useMemo(() => delivery.map((d) => d.channel), [delivery]);
  const queued = queue.counts.reduce((a, b) => a + b, 0);

  return h(
    'div',
    { class: 'charts', 'data-testid': 'charts', role: 'region', 'aria-labelledby': 'charts-heading' },
    // The skip link's target; each chart's panel has its own visible title.
    h('h2', { id: 'charts-heading', class: 'visually-hidden', tabIndex: -1 }, 'Charts'),
    h(LiveChart<typeof plottedVolume>, {
      testId: 'chart-volume',
      title: 'Payout volume per day',
      summary: `Paid out per day in ${currency || 'no currency yet'}`,
      config: volumeConfig(locale),
      data: plottedVolume,
      apply: applyVolume,
      controls: currencies.length
        ? h(
            'label',
            { class: 'chart-control' },
            'Currency ',
            h(
              'select',
              {
                class: 'input',
                value: currency,
                'data-testid': 'chart-volume-currency',
                onChange: (e: Event) => setWantedCurrency((e.currentTarget as HTMLSelectElement).value),
              },
              currencies.map((c) => h('option', { key: c, value: c }, c)),
            ),
          )
        : null,
      children: currencies.length
        ? h(
            'ul',
            { class: 'chart-totals' },
            volume.series.map((s) => {
              const total = sumMinor(s.minor);
              return h(
                'li',
                { key: s.currency, 'data-currency': s.currency, 'data-total-minor': total ?? '' },
                h('span', { class: 'muted' }, `${s.currency} paid out `),
                h(
                  'strong',
                  null,
                  total === undefined ? 'too large to show' : formatMinor(total, s.currency, locale),
                ),
              );
            }),
          )
        : h('span', { class: 'muted' }, 'No payout completed yet.'),
    }),
    h(LiveChart<typeof mix>, {
      testId: 'chart-status',
      title: 'Status mix',
      summary: mix.map((m) => `${statusLabel(m.status)}: ${m.count}`).join(', ') || 'No payments',
      config: statusConfig,
      data: mix,
      apply: applyStatus,
      keys: mixKeys,
      children: h(
        'span',
        { class: 'muted' },
        `${Object.keys(payments).length} payments in the dashboard's window`,
      ),
    }),
    h(LiveChart<typeof queue>, {
      testId: 'chart-queue',
      title: 'Approval queue age',
      summary: `${queued} awaiting approval`,
      config: queueConfig,
      data: queue,
      apply: applyQueue,
      children: h(
        'span',
        { class: 'muted', 'data-testid': 'chart-queue-oldest' },
        queue.oldestMs === null
          ? 'Nothing awaits approval.'
          : `${queued} awaiting approval; the oldest has waited ${formatWait(queue.oldestMs)}.`,
      ),
    }),
    h(LiveChart<typeof delivery>, {
      testId: 'chart-delivery',
      title: 'Delivery success per channel',
      summary: delivery.map((d) => `${channelLabel(d.channel)}: ${formatRate(d.rate, locale)}`).join(', '),
      config: deliveryConfig,
      data: delivery,
      apply: applyDelivery,
      keys: deliveryKeys,
      children: delivery.length
        ? h(
            'ul',
            { class: 'chart-totals' },
            delivery.map((d) =>
              h(
                'li',
                { key: d.channel, 'data-channel': d.channel },
                h('span', { class: 'muted' }, `${channelLabel(d.channel)} `),
                h('strong', null, formatRate(d.rate, locale)),
                h('span', { class: 'muted' }, ` (${d.sent} delivered, ${d.failed} failed)`),
              ),
            ),
          )
        : h('span', { class: 'muted' }, 'No delivery finished yet.'),
    }),
  );
}

/** Minor units on the axis and in the tooltip, always through the dashboard's money formatting. */
function volumeConfig(locale: string | undefined): () => ChartConfiguration<ChartType, number[], string> {
  return () => ({
    type: 'bar',
    data: {
      labels: [],
      datasets: [{ label: '', data: [], backgroundColor: BRAND, borderRadius: 4, maxBarThickness: 56 }],
    },
    options: {
      ...baseOptions(),
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (item) => moneyTick(item.parsed.y ?? Number.NaN, item.dataset.label ?? '', locale),
          },
        },
      },
      scales: {
        x: categoryAxis,
        y: {
          ...countAxis,
          ticks: {
            ...countAxis.ticks,
            callback(value) {
              return moneyTick(value, this.chart.data.datasets[0]?.label ?? '', locale);
            },
          },
        },
      },
    },
  });
}

function applyVolume(chart: Plotted, v: { days: string[]; currency: string; minor: number[] }): void {
  chart.data.labels = v.days;
  const dataset = chart.data.datasets[0]!;
  dataset.label = v.currency;
  dataset.data = v.minor;
}

function statusConfig(): ChartConfiguration<ChartType, number[], string> {
  return {
    type: 'doughnut',
    data: { labels: [], datasets: [{ label: 'Payments', data: [], borderWidth: 1 }] },
    options: { ...baseOptions(), plugins: { legend: { position: 'right', labels: { color: TEXT } } } },
  };
}

function applyStatus(chart: Plotted, mix: Array<{ status: string; count: number }>): void {
  chart.data.labels = mix.map((m) => statusLabel(m.status));
  const dataset = chart.data.datasets[0]!;
  dataset.data = mix.map((m) => m.count);
  dataset.backgroundColor = mix.map((m) => STATUS_COLORS[m.status] ?? TEXT);
}

function queueConfig(): ChartConfiguration<ChartType, number[], string> {
  return {
    type: 'bar',
    data: {
      labels: [...QUEUE_AGE_BUCKETS],
      datasets: [
        {
          label: 'Awaiting approval',
          data: [],
          backgroundColor: '#f79009',
          borderRadius: 4,
          maxBarThickness: 56,
        },
      ],
    },
    options: {
      ...baseOptions(),
      plugins: { legend: { display: false } },
      scales: { x: categoryAxis, y: countAxis },
    },
  };
}

function applyQueue(chart: Plotted, q: { counts: number[] }): void {
  chart.data.datasets[0]!.data = q.counts;
}

function deliveryConfig(): ChartConfiguration<ChartType, number[], string> {
  return {
    type: 'bar',
    data: {
      labels: [],
      datasets: [
        { label: 'Delivered', data: [], backgroundColor: SUCCESS, borderRadius: 4 },
        { label: 'Failed', data: [], backgroundColor: DANGER, borderRadius: 4 },
      ],
    },
    options: {
      ...baseOptions(),
      indexAxis: 'y',
      scales: { x: { ...countAxis, stacked: true }, y: { ...categoryAxis, stacked: true } },
    },
  };
}

function applyDelivery(chart: Plotted, rows: Array<{ channel: string; sent: number; failed: number }>): void {
  chart.data.labels = rows.map((r) => channelLabel(r.channel));
  chart.data.datasets[0]!.data = rows.map((r) => r.sent);
  chart.data.datasets[1]!.data = rows.map((r) => r.failed);
}
