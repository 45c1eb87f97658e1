import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startDashboardHarness, type DashboardHarness } from './support/dashboard-harness';
import { byTestId, describeInChromium, openChromiumPage, waitForAttribute } from './support/dashboard-page';
import { bearer, createPartner, eventually, http, TEST_KEYS } from './support/system';
import { describeWithPostgres } from './support/test-env';

type Json = any;

jest.setTimeout(180_000);

const TITLE = 'dashboard charts in Chromium (chart.js on canvas, fed by the live stream)';
const DOCS = resolve(__dirname, '..', 'docs');
const ref = (prefix: string): string => `${prefix}-${globalThis.crypto.randomUUID().slice(0, 6)}`;

/** What a chart plotted, as the view reads it back from its chart.js object into `data-*`. */
interface Plotted {
  chartId: string;
  updates: number;
  labels: string[];
  series: Array<{ label: string; data: number[] }>;
  keys: string[];
}

/** Webhook receiver: `/ok` takes every delivery, `/down` refuses every one (so some fail). */
async function startReceiver(): Promise<{ server: Server; url: (path: 'ok' | 'down') => string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.statusCode = req.url?.startsWith('/down') ? 500 : 204;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { server, url: (path) => `http://127.0.0.1:${port}/${path}` };
}

describeInChromium(TITLE, suite);

function suite(): void {
  describeWithPostgres(TITLE, () => {
    let h: DashboardHarness;
    let browser: Browser;
    let page: Page;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    let partner: Json;
    let decliningPartner: Json;
    let pageErrors: string[] = [];
    let csp: string[] = [];

    const api = (method: string, path: string, body?: unknown, key: string = TEST_KEYS.alice) =>
      http(h.sys.apiUrl, method, path, body, bearer(key));

    async function pay(partnerId: string, currency: string, amountMinor: number, until: string) {
      const res = await api('POST', '/payments', {
        partnerId,
        currency,
        lines: [{ reference: ref('chart'), amountMinor, description: 'commission' }],
      });
      if (res.status !== 202) throw new Error(`payment refused: ${res.status} ${JSON.stringify(res.body)}`);
      await eventually(
        async () => (await api('GET', `/payments/${res.body.id}`)).body.status,
        (s) => s === until,
        { timeoutMs: 60_000, intervalMs: 200 },
      );
      return res.body.id as string;
    }

    const apiPayments = async (): Promise<Json[]> => (await api('GET', '/payments?limit=100')).body.items;

    /** Every payment notification, once none is still on its way. */
    const settledNotifications = (): Promise<Json[]> =>
      eventually(
        async () =>
          ((await api('GET', '/notifications?limit=200')).body.items as Json[]).filter((n) => n.paymentId),
        (items) => items.length > 0 && items.every((n) => n.status !== 'PENDING'),
        { timeoutMs: 60_000, intervalMs: 300 },
      );

    const plotted = (testId: string): Promise<Plotted> =>
      page.locator(byTestId(testId)).evaluate((el) => {
        const json = (name: string, fallback: unknown) =>
          JSON.parse(el.getAttribute(name) ?? JSON.stringify(fallback));
        return {
          chartId: el.getAttribute('data-chart-id') ?? '',
          updates: Number(el.getAttribute('data-updates') ?? 0),
          labels: json('data-labels', []),
          series: json('data-series', []),
          keys: json('data-keys', []),
        };
      });

    /** Polls the chart until `accept` holds; the failure shows what was plotted last. */
    const plottedUntil = (testId: string, accept: (p: Plotted) => boolean): Promise<Plotted> =>
      eventually(() => plotted(testId), accept, { timeoutMs: 30_000, intervalMs: 100 });

    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

    /** Paid-out minor units per currency from the API: what the volume chart must add up to. */
    const paidPerCurrency = (items: Json[]): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const p of items)
        if (p.status === 'COMPLETED' || p.status === 'REFUNDED')
          out[p.currency] = (out[p.currency] ?? 0) + p.totalMinor;
      return out;
    };

    /** Sums the (one) plotted dataset once it shows `currency`. */
    async function plottedVolume(currency: string, expectedMinor: number): Promise<Plotted> {
      await page.getByTestId('chart-volume-currency').selectOption(currency);
      return plottedUntil(
        'chart-volume',
        (p) => p.series[0]?.label === currency && sum(p.series[0].data) === expectedMinor,
      );
    }

    beforeAll(async () => {
      receiver = await startReceiver();
      h = await startDashboardHarness(
        {
          APPROVAL_THRESHOLDS: '{"USD": 100000, "EUR": 100000}',
          APPROVAL_TIMEOUT: '10m',
          REFUND_WINDOW: '10m',
          WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
          WEBHOOK_ALLOW_HTTP: 'true',
          WEBHOOK_TIMEOUT: '2s',
          NOTIFICATIONS_TASK_QUEUE: `test-charts-${Math.random().toString(36).slice(2, 8)}`,
          NOTIFICATION_RETRY_INITIAL_INTERVAL: '100ms',
          NOTIFICATION_RETRY_MAX_INTERVAL: '300ms',
          NOTIFICATION_WEBHOOK_MAX_ATTEMPTS: '2',
        },
        ['bank', 'notifications', 'worker', 'api'],
      );
      partner = await createPartner(h.sys.apiUrl, {
        name: 'Lumen Media Group',
        webhookUrl: receiver.url('ok'),
      });
      // The sandbox bank declines accounts ending in 0000; this partner's webhook endpoint is down too.
      decliningPartner = await createPartner(h.sys.apiUrl, {
        name: 'Ríos & Co. Influencers',
        payoutAccount: '9876540000',
        webhookUrl: receiver.url('down'),
      });
      for (const p of [partner, decliningPartner]) {
        expect(
          (await api('POST', `/partners/${p.id}/webhook-secret`, undefined, TEST_KEYS.admin)).status,
        ).toBe(200);
      }
      ({
        browser,
        page,
        pageErrors,
        cspViolations: csp,
      } = await openChromiumPage({ viewport: { width: 1440, height: 1000 } }));
      mkdirSync(DOCS, { recursive: true });
    });

    afterAll(async () => {
      await browser?.close();
      await h?.stop();
      await new Promise((r) => receiver?.server.close(r));
    });

    afterEach(() => {
      expect(pageErrors).toEqual([]);
      // chart.js draws under the dashboard's strict policy: no injected style, nothing refused.
      expect(csp).toEqual([]);
    });

    it('draws volume, status mix, queue age and delivery success from live data matching the API, and follows the stream', async () => {
      await pay(partner.id, 'USD', 12_345, 'COMPLETED');
      await pay(partner.id, 'USD', 6_789, 'COMPLETED');
      await pay(partner.id, 'EUR', 50_000, 'COMPLETED');
      await pay(decliningPartner.id, 'USD', 2_500, 'FAILED');
      await pay(partner.id, 'USD', 250_000, 'AWAITING_APPROVAL');
      const notifications = await settledNotifications();

      await page.goto(`${h.uiUrl}/#key=${TEST_KEYS.alice}`);
      await waitForAttribute(page, 'conn-state', 'data-state', 'live');
      await page.getByTestId('nav-charts').click();
      expect(new URL(page.url()).hash).toBe('#/charts');
      await page.getByTestId('charts').waitFor();
      await page.evaluate(() => ((window as any).__sameDocument = true));

      const payments = await apiPayments();
      const paid = paidPerCurrency(payments);
      expect(paid).toEqual({ USD: 19_134, EUR: 50_000 });

      // Volume: one currency at a time, never summed across currencies; the totals below in money.
      const usd = await plottedVolume('USD', paid.USD!);
      const today = new Date().toISOString().slice(0, 10);
      expect(usd.labels).toContain(today);
      const eur = await plottedVolume('EUR', paid.EUR!);
      expect(await page.locator(`${byTestId('chart-volume')} [data-currency="USD"]`).textContent()).toBe(
        'USD paid out $191.34',
      );
      expect(await page.locator(`${byTestId('chart-volume')} [data-currency="EUR"]`).textContent()).toBe(
        'EUR paid out €500.00',
      );

      // Status mix: the same counts per status as the API.
      const byStatus: Record<string, number> = {};
      for (const p of payments) byStatus[p.status] = (byStatus[p.status] ?? 0) + 1;
      const sorted = (o: Record<string, unknown>) => JSON.stringify(Object.entries(o).sort());
      const status = await plottedUntil(
        'chart-status',
        (p) =>
          sorted(Object.fromEntries(p.keys.map((k, i) => [k, p.series[0]?.data[i]]))) === sorted(byStatus),
      );
      expect(status.keys).toEqual(['AWAITING_APPROVAL', 'COMPLETED', 'FAILED']);
      expect(status.series[0]!.data).toEqual([1, 3, 1]);

      // Approval queue: the one payment above the USD threshold, waiting for under an hour.
      const queue = await plotted('chart-queue');
      expect(queue.series[0]!.data).toEqual([1, 0, 0, 0]);
      expect(sum(queue.series[0]!.data)).toBe(
        payments.filter((p) => p.status === 'AWAITING_APPROVAL').length,
      );
      await expect(page.getByTestId('chart-queue-oldest').textContent()).resolves.toMatch(
        /1 awaiting approval; the oldest has waited/,
      );

      // Delivery success per channel: delivered and failed as the API's notification statuses say.
      const perChannel: Record<string, { sent: number; failed: number }> = {};
      for (const n of notifications) {
        const c = (perChannel[n.channel] ??= { sent: 0, failed: 0 });
        if (n.status === 'SENT') c.sent += 1;
        if (n.status === 'FAILED') c.failed += 1;
      }
      expect(perChannel.WEBHOOK?.failed).toBeGreaterThan(0);
      const channels = Object.keys(perChannel).sort();
      const delivery = await plottedUntil(
        'chart-delivery',
        (p) =>
          JSON.stringify(p.keys) === JSON.stringify(channels) &&
          JSON.stringify(p.series.map((s) => s.data)) ===
            JSON.stringify([
              channels.map((c) => perChannel[c]!.sent),
              channels.map((c) => perChannel[c]!.failed),
            ]),
      );
      expect(delivery.series.map((s) => s.label)).toEqual(['Delivered', 'Failed']);

      // Every canvas has been drawn on, not just sized.
      const inked = await page.$$eval(`${byTestId('charts')} canvas`, (canvases) =>
        canvases.map((c) => {
          const { width, height } = c as HTMLCanvasElement;
          const pixels = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, width, height).data;
          let n = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) n += 1;
          return n;
        }),
      );
      expect(inked).toHaveLength(4);
      for (const n of inked) expect(n).toBeGreaterThan(500);

      await page.getByTestId('charts').screenshot({ path: resolve(DOCS, 'dashboard-charts.png') });

      // One more payout: the same chart objects take the new data, without a reload.
      await pay(partner.id, 'EUR', 4_567, 'COMPLETED');
      const after = await plottedUntil(
        'chart-volume',
        (p) => p.series[0]?.label === 'EUR' && sum(p.series[0].data) === paid.EUR! + 4_567,
      );
      expect(after.chartId).toBe(eur.chartId);
      expect(after.updates).toBeGreaterThan(eur.updates);
      expect(paidPerCurrency(await apiPayments()).EUR).toBe(paid.EUR! + 4_567);
      await expect(
        page.locator(`${byTestId('chart-volume')} [data-currency="EUR"]`).textContent(),
      ).resolves.toBe('EUR paid out €545.67');
      const statusAfter = await plottedUntil(
        'chart-status',
        (p) => p.series[0]?.data[p.keys.indexOf('COMPLETED')] === 4,
      );
      expect(statusAfter.chartId).toBe(status.chartId);
      expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
    });

    it('destroys the charts when the view is left and draws them afresh when it comes back', async () => {
      const before = await plotted('chart-volume');
      await page.getByTestId('nav-payments').click();
      await page.getByTestId('payments-count').waitFor();
      expect(await page.getByTestId('charts').count()).toBe(0);
      await page.getByTestId('nav-charts').click();
      const again = await plottedUntil(
        'chart-volume',
        (p) => p.chartId !== '' && p.series[0]!.data.length > 0,
      );
      expect(again.chartId).not.toBe(before.chartId);
      expect(await page.locator(`${byTestId('charts')} canvas`).count()).toBe(4);
    });

    it('shows the charts to a viewer key too (a partner key gets its portal only)', async () => {
      await page.getByTestId('signout').click();
      await page.getByTestId('signin-key').fill(TEST_KEYS.viewer);
      await page.getByTestId('signin-submit').click();
      await page.locator(byTestId('signed-in-as'), { hasText: 'viewer' }).waitFor();
      await page.getByTestId('nav-charts').click();
      await plottedUntil('chart-status', (p) => p.keys.includes('COMPLETED'));
    });
  });
}
