import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { CommissionInput as Commission } from '../src/api/commission.schemas';
import { startDashboardHarness, type DashboardHarness } from './support/dashboard-harness';
import {
  byTestId,
  describeInChromium,
  openChromiumPage,
  recordAttribute,
  recordedAttribute,
  waitForAttribute,
} from './support/dashboard-page';
import { bearer, createPartner, http, TEST_KEYS } from './support/system';
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database';
import { describeWithPostgres } from './support/test-env';

// The Settlements view in a real browser against real Temporal + PostgreSQL: a run started from the
// form, followed live to the end, its money per currency and the partner it skipped.
jest.setTimeout(120_000);

const SCREENSHOT = resolve(__dirname, '..', 'artifacts', 'dashboard-settlements.png');
const TITLE = 'dashboard Settlements view in Chromium (real Temporal, PostgreSQL, sandbox bank, UI server)';

const DAY = 86_400_000;
const dayOf = (offset: number): string => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);
/** Settlement ids are `settlement:<periodEnd>`, one per Temporal server: other suites use −1, −3, −4, −5. */
const PERIOD_END = dayOf(-8);
const SETTLEMENT_ID = `settlement:${PERIOD_END}`;
/** Well past the 7-day hold, and inside the period. */
const OCCURRED_AT = `${dayOf(-20)}T12:00:00.000Z`;

const MINIMUMS = { USD: 5_000, EUR: 5_000, COP: 2_000_000 };

const NAMES = [
  'Lumen Media Group',
  'Andes Travel Review',
  'Cumbre Fitness Club',
  'Pacífico Deals',
  'Nómada Podcasts',
  'Sierra Tech Blog',
  'Café & Código',
  'Ruta Verde Outdoor',
  'Mercado Digital',
  'Altiplano Creators',
  'Brisa Beauty',
  'Volcán Gaming',
  'Selva Stories',
  'Faro Finance Tips',
  'Colibrí Kids',
  'Norte Motors Blog',
  'Arena Sports Picks',
  'Luna Home & Deco',
  'Cóndor Cashback',
  'Estrella Coupons',
  'Marea Music',
  'Valle Foodies',
  'Pampa Pets',
  'Quetzal Reviews',
  'Tango Fashion',
  'Río Books',
  'Aurora Wellness',
  'Cielo Photography',
  'Patagonia Gear Lab',
];

describeInChromium(TITLE, browserSuite);

function browserSuite(): void {
  describeWithPostgres(TITLE, (sharedUrl) => {
    let h: DashboardHarness;
    let browser: Browser;
    let page: Page;
    let scratch: ScratchDatabase | undefined;
    let belowMinimum: { id: string };
    /** Sum of the payouts per currency, as the API's decimal strings. */
    const planned: Record<string, bigint> = {};
    let pageErrors: string[] = [];
    let cspViolations: string[] = [];

    const api = (method: string, path: string, body?: unknown) =>
      http(h.sys.apiUrl, method, path, body, bearer(TEST_KEYS.admin));

    beforeAll(async () => {
      // A run claims every payable commission of its database: this suite's are its own.
      scratch = await createScratchDatabase(sharedUrl, 'alpes_dash_settle');
      h = await startDashboardHarness({
        DATABASE_URL: scratch.url,
        COMMISSION_HOLD: '7d',
        PAYOUT_MINIMUMS: JSON.stringify(MINIMUMS),
        APPROVAL_THRESHOLDS: JSON.stringify({ USD: 1_000_000, EUR: 1_000_000, COP: 5_000_000_000 }),
        // Few payouts at a time, each slowed down by the bank: the bar is seen between 0 and 100.
        SETTLEMENT_CONCURRENCY: '3',
        SETTLEMENT_POLL_INTERVAL: '200ms',
        REFUND_WINDOW: '10m',
      });

      const commissions: Commission[] = [];
      const add = (partnerId: string, currency: string, amountMinor: number, n: number) =>
        commissions.push({
          externalRef: `dash-settle-${n}-${globalThis.crypto.randomUUID().slice(0, 8)}`,
          partnerId,
          currency,
          amountMinor,
          description: 'March conversions',
          occurredAt: OCCURRED_AT,
        });
      for (const [i, name] of NAMES.entries()) {
        const { id } = await createPartner(h.sys.apiUrl, { name });
        const currency = i < 14 ? 'USD' : i < 23 ? 'EUR' : 'COP';
        const amount =
          currency === 'USD'
            ? 12_500 + i * 1_337
            : currency === 'EUR'
              ? 8_000 + i * 911
              : 2_500_000 + i * 150_000;
        // Two commissions for some: the payout is their sum.
        const parts = i % 3 === 0 ? [amount - 1_000, 1_000] : [amount];
        parts.forEach((a, k) => add(id, currency, a, i * 10 + k));
        planned[currency] = (planned[currency] ?? 0n) + BigInt(amount);
      }
      belowMinimum = await createPartner(h.sys.apiUrl, { name: 'Tiny Clicks Ltd' });
      add(belowMinimum.id, 'USD', 1_250, 999);
      const res = await api('POST', '/commissions', commissions);
      if (res.status !== 201)
        throw new Error(`commissions refused: ${res.status} ${JSON.stringify(res.body)}`);

      h.sys.bank!.bank.setFaults({ latencyMs: 300 });
      ({ browser, page, pageErrors, cspViolations } = await openChromiumPage());
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
      await h?.stop();
      await scratch?.drop();
    }, 60_000);

    afterEach(() => {
      expect(pageErrors).toEqual([]);
      // The Settlements view (its progress bar included) runs under the strict policy too.
      expect(cspViolations).toEqual([]);
    });

    it('dry-runs, starts a run from the form and follows its progress bar live to 100 %', async () => {
      await page.goto(`${h.uiUrl}/#key=${TEST_KEYS.alice}`);
      await waitForAttribute(page, 'conn-state', 'data-state', 'live');
      await page.getByTestId('nav-settlements').click();
      expect(new URL(page.url()).hash).toBe('#/settlements');
      expect(await page.getByTestId('nav-settlements').getAttribute('aria-current')).toBe('page');

      // The suite's system runs without the Schedule: the view says so, and links to Temporal's page.
      await waitForAttribute(page, 'schedule-state', 'data-state', 'off');
      expect(await page.getByTestId('schedule-state').textContent()).toContain('Schedule off');
      expect(await page.getByTestId('schedules-link').getAttribute('href')).toBe(
        'http://localhost:8233/namespaces/default/schedules',
      );
      await page.getByTestId('settlements-empty').waitFor();

      await page.getByTestId('settlement-period-end').fill(PERIOD_END);
      await page.getByTestId('settlement-dry-run').click();
      await page.getByTestId('dry-run-result').waitFor();
      expect(await page.getByTestId('dry-run-payouts').textContent()).toBe(`${NAMES.length} payouts`);
      expect(await page.getByTestId('dry-run-skipped').textContent()).toBe('1 skipped');
      // Partners not paid, by reason (labelled as a run's skips).
      const notPaid = page.getByTestId('dry-run-not-payable-BELOW_MINIMUM');
      expect(await notPaid.getAttribute('data-count')).toBe('1');
      expect(await page.getByTestId('dry-run-not-payable').textContent()).toBe(
        'Partners not paid: Below minimum 1',
      );
      for (const [currency, sum] of Object.entries(planned)) {
        expect(await page.getByTestId(`dry-run-total-${currency}`).getAttribute('data-minor')).toBe(
          String(sum),
        );
      }
      // A dry run writes nothing.
      expect((await api('GET', '/settlements')).body.items).toEqual([]);

      await recordAttribute(page, 'settlement-progress', 'aria-valuenow');
      await page.getByTestId('settlement-submit').click();
      const toast = page.locator('[data-testid="toast"][data-kind="success"]').last();
      await toast.waitFor();
      expect(await toast.textContent()).toContain(SETTLEMENT_ID);

      const bar = page.getByTestId('settlement-progress');
      await bar.waitFor();
      expect(await bar.getAttribute('role')).toBe('progressbar');
      expect(await bar.getAttribute('aria-valuemin')).toBe('0');
      expect(await bar.getAttribute('aria-valuemax')).toBe('100');
      await waitForAttribute(page, 'settlement-progress', 'aria-valuenow', '100', 90_000);
      await waitForAttribute(page, 'settlement-status', 'data-status', 'COMPLETED');
      expect(await page.getByTestId('settlement-progress-text').textContent()).toBe(
        `${NAMES.length} of ${NAMES.length} payouts · 100%`,
      );

      const seen = (await recordedAttribute(page)).map(Number);
      expect(seen.some((v) => v > 0 && v < 100)).toBe(true);
      expect(seen.at(-1)).toBe(100);
      // Forward only: the bar never went back.
      expect(seen).toEqual([...seen].sort((a, b) => a - b));

      const stored = (await api('GET', `/settlements/${encodeURIComponent(SETTLEMENT_ID)}`)).body;
      expect(stored).toMatchObject({ status: 'COMPLETED', itemCount: NAMES.length, skippedCount: 1 });
      expect(await page.getByTestId('settlement-temporal-link').getAttribute('href')).toBe(
        stored.links.workflow,
      );
    });

    it('shows the run in the list, its totals per currency, every payout paid, and the skipped partner with its reason', async () => {
      await waitForAttribute(page, `settlement-row-${SETTLEMENT_ID}`, 'data-status', 'COMPLETED');
      const row = page.getByTestId(`settlement-row-${SETTLEMENT_ID}`);
      const rowText = await row.textContent();
      expect(rowText).toContain(PERIOD_END);
      expect(rowText).toContain('all');
      expect(rowText).toContain('manual');
      expect(rowText).toContain('alice');

      for (const [currency, sum] of Object.entries(planned)) {
        const totals = page.getByTestId(`settlement-totals-${currency}`);
        expect(await totals.getAttribute('data-planned-minor')).toBe(String(sum));
        // Once the refetch after SettlementCompleted landed, all of it is paid.
        await page
          .locator(
            `${byTestId(`settlement-totals-${currency}`)} li[data-status="COMPLETED"][data-minor="${sum}"]`,
          )
          .waitFor();
      }
      expect(await page.getByTestId('settlement-planned-USD').textContent()).toMatch(/^\$[\d,]+\.\d\d$/);
      expect(await page.getByTestId('settlement-planned-COP').textContent()).toMatch(
        /^COP\u00a0[\d,]+\.\d\d$/,
      );

      const skipped = page.getByTestId(`skipped-${belowMinimum.id}-USD`);
      expect(await skipped.getAttribute('data-reason')).toBe('BELOW_MINIMUM');
      const skippedText = await skipped.textContent();
      expect(skippedText).toContain('Tiny Clicks Ltd');
      expect(skippedText).toContain('Below minimum');
      expect(skippedText).toContain('$12.50');

      await page
        .locator(`${byTestId('settlement-payouts')} tr[data-status="COMPLETED"]`)
        .nth(NAMES.length - 1)
        .waitFor();
      expect(await page.locator(`${byTestId('settlement-payouts')} tr[data-payment-id]`).count()).toBe(
        NAMES.length,
      );
    });

    it('opens the skipped partner’s balance: still payable, carried forward below the minimum', async () => {
      await page.getByTestId(`skipped-${belowMinimum.id}-USD`).getByRole('button').click();
      const panel = page.getByTestId('partner-balance');
      await waitForAttribute(page, 'partner-balance', 'data-partner-id', belowMinimum.id);
      await page.getByTestId('partner-balance-net-USD').waitFor();
      expect(await page.getByTestId('partner-balance-net-USD').getAttribute('data-minor')).toBe('1250');
      expect(await page.getByTestId('partner-balance-net-USD').textContent()).toBe('$12.50');
      await page.getByTestId('partner-balance-short-USD').waitFor();
      expect(await panel.textContent()).toContain('carries forward');
      expect(await page.getByTestId('partner-balance-next').textContent()).toContain('none scheduled');

      // Screenshot of the finished run at the target width, nothing overflowing sideways.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
      const close = page.locator('[data-testid="toast"] button');
      while ((await close.count()) > 0) await close.first().click();
      await page.mouse.move(0, 0);
      await page.evaluate(() => {
        (document.activeElement as HTMLElement | null)?.blur();
        window.scrollTo(0, 0);
      });
      mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    });

    it('shows the API’s 409 as a toast when a settled period is settled again for one currency', async () => {
      await page.getByTestId('settlement-period-end').fill(PERIOD_END);
      await page.getByTestId('settlement-currency').selectOption('USD');
      await page.getByTestId('settlement-submit').click();
      const refusal = page.locator('[data-testid="toast"][data-kind="error"]').last();
      await refusal.waitFor();
      expect(await refusal.getAttribute('data-code')).toBe('SETTLEMENT.ALREADY_EXISTS');
      expect(await refusal.textContent()).toContain('HTTP 409');
      expect(await refusal.textContent()).toContain(SETTLEMENT_ID);
      await page.getByTestId('settlement-currency').selectOption('');
    });

    it('shows a partner’s balance from the Payments view’s partner filter, and the payouts as payments', async () => {
      await page.getByTestId('nav-payments').click();
      expect(new URL(page.url()).hash).toBe('#/payments');
      await page.getByTestId('filter-partner').selectOption(belowMinimum.id);
      await waitForAttribute(page, 'partner-balance', 'data-partner-id', belowMinimum.id);
      await page.getByTestId('partner-balance-net-USD').waitFor();
      await page.getByTestId('filter-clear').click();
      expect(await page.getByTestId('partner-balance').count()).toBe(0);
      // The run's payouts streamed in as payments.
      await page
        .locator(`${byTestId('payments-table')} tr[data-status="COMPLETED"]`)
        .nth(NAMES.length - 1)
        .waitFor();

      // Back returns to the Settlements view.
      await page.goBack();
      await page.getByTestId('settlements-view').waitFor();
    });
  });
}
