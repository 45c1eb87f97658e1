import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
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
import { bearer, createPartner, eventually, http, TEST_KEYS } from './support/system';
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database';
import { describeWithPostgres } from './support/test-env';

// The Settlements view's approval (issue 24, item 5) and release in a real browser against real
// Temporal + PostgreSQL: a run over its threshold, started by alice from the form, waits with its
// preview; alice's own Approve is refused (four eyes); bob approves it in the page and watches it
// pay to the end. Then a run whose workflow is terminated mid-way is flagged stopped and released
// from the page.
jest.setTimeout(120_000);

const SCREENSHOT = resolve(__dirname, '..', 'artifacts', 'dashboard-settlement-approval.png');
const TITLE = 'dashboard settlement approval and release in Chromium (real Temporal, PostgreSQL, UI server)';

const DAY = 86_400_000;
const dayOf = (offset: number): string => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);
/** Settlement ids are `settlement:<periodEnd>[:<currency>]`, one per Temporal server: other suites use −1…−10. */
const PERIOD_END = dayOf(-13);
const SETTLEMENT_ID = `settlement:${PERIOD_END}`;
const RELEASE_PERIOD_END = dayOf(-11);
const RELEASE_ID = `settlement:${RELEASE_PERIOD_END}:USD`;

const EUR_PAYOUTS = 22;
/** EUR 60.00, 61.00, … : distinct, so "largest first" has one order. */
const eurAmount = (i: number): number => 6_000 + i * 100;
const EUR_TOTAL = Array.from({ length: EUR_PAYOUTS }, (_, i) => eurAmount(i)).reduce((a, b) => a + b, 0);
const RELEASE_PAYOUTS = 10;

describeInChromium(TITLE, browserSuite);

function browserSuite(): void {
  describeWithPostgres(TITLE, (sharedUrl) => {
    let h: DashboardHarness;
    let browser: Browser;
    let page: Page;
    let scratch: ScratchDatabase | undefined;
    const eurPartners: Array<{ id: string; name: string }> = [];
    let usdPartner: { id: string };
    let pageErrors: string[] = [];
    let cspViolations: string[] = [];

    const api = (method: string, path: string, body?: unknown) =>
      http(h.sys.apiUrl, method, path, body, bearer(TEST_KEYS.admin));
    const runOf = (id: string) => api('GET', `/settlements/${encodeURIComponent(id)}`);
    const commission = (
      partnerId: string,
      currency: string,
      amountMinor: number,
      day: number,
    ): Commission => ({
      externalRef: `dash-appr-${globalThis.crypto.randomUUID()}`,
      partnerId,
      currency,
      amountMinor,
      description: 'approval conversions',
      occurredAt: `${dayOf(day)}T12:00:00.000Z`,
    });
    const signInAs = async (key: string, name: string) => {
      if (await page.getByTestId('signout').count()) await page.getByTestId('signout').click();
      await page.getByTestId('signin-key').fill(key);
      await page.getByTestId('signin-submit').click();
      await page.locator(`${byTestId('signed-in-as')}:has-text("${name}")`).waitFor();
      await waitForAttribute(page, 'conn-state', 'data-state', 'live');
    };

    beforeAll(async () => {
      // A run claims every payable commission of its database: this suite's are its own.
      scratch = await createScratchDatabase(sharedUrl, 'alpes_dash_approval');
      h = await startDashboardHarness({
        DATABASE_URL: scratch.url,
        COMMISSION_HOLD: '7d',
        PAYOUT_MINIMUMS: JSON.stringify({ EUR: 1_000, USD: 1_000 }),
        SETTLEMENT_APPROVAL_THRESHOLDS: JSON.stringify({ EUR: 20_000, USD: 20_000 }),
        // Decided long before: the run must not be released at its deadline under the test.
        SETTLEMENT_APPROVAL_TIMEOUT: '10m',
        APPROVAL_THRESHOLDS: JSON.stringify({ EUR: 10_000_000, USD: 10_000_000 }),
        // Two payouts at a time: the release test stops a run with most of its payouts unstarted.
        SETTLEMENT_CONCURRENCY: '2',
        SETTLEMENT_POLL_INTERVAL: '200ms',
        REFUND_WINDOW: '10m',
      });

      const commissions: Commission[] = [];
      for (let i = 0; i < EUR_PAYOUTS; i += 1) {
        const name = `Cumbre Media ${String(i + 1).padStart(2, '0')}`;
        const { id } = await createPartner(h.sys.apiUrl, { name });
        eurPartners.push({ id, name });
        commissions.push(commission(id, 'EUR', eurAmount(i), -20));
      }
      // Under the EUR minimum: left out, and counted in the preview.
      const small = await createPartner(h.sys.apiUrl, { name: 'Tiny Clicks Ltd' });
      commissions.push(commission(small.id, 'EUR', 500, -20));
      // USD is under its threshold: in the preview, not a reason.
      usdPartner = await createPartner(h.sys.apiUrl, { name: 'Norte Deals' });
      commissions.push(commission(usdPartner.id, 'USD', 7_000, -20));
      // The release test's run: a later period, USD only, under its threshold.
      for (let i = 0; i < RELEASE_PAYOUTS; i += 1) {
        const { id } = await createPartner(h.sys.apiUrl, { name: `Río Release ${i + 1}` });
        commissions.push(commission(id, 'USD', 1_500 + i, -12));
      }
      const res = await api('POST', '/commissions', commissions);
      if (res.status !== 201)
        throw new Error(`commissions refused: ${res.status} ${JSON.stringify(res.body)}`);

      ({ browser, page, pageErrors, cspViolations } = await openChromiumPage());
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
      await h?.stop();
      await scratch?.drop();
    }, 60_000);

    afterEach(() => {
      expect(pageErrors).toEqual([]);
      expect(cspViolations).toEqual([]);
    });

    it('shows a run over its threshold awaiting approval: why, until when, and its preview per currency', async () => {
      await page.goto(`${h.uiUrl}/#key=${TEST_KEYS.alice}`);
      await waitForAttribute(page, 'conn-state', 'data-state', 'live');
      await page.getByTestId('nav-settlements').click();
      await page.getByTestId('settlements-empty').waitFor();
      await page.getByTestId('settlement-period-end').fill(PERIOD_END);
      await page.getByTestId('settlement-submit').click();

      await waitForAttribute(page, 'settlement-status', 'data-status', 'AWAITING_APPROVAL');
      // Marked in the list too.
      await waitForAttribute(page, `settlement-row-${SETTLEMENT_ID}`, 'data-status', 'AWAITING_APPROVAL');
      const row = page.getByTestId(`settlement-row-${SETTLEMENT_ID}`);
      expect(await row.getAttribute('class')).toContain('row-attention');
      expect(await row.textContent()).toContain('Awaiting approval');

      const panel = page.getByTestId('settlement-approval');
      await waitForAttribute(page, 'settlement-approval', 'data-approval-status', 'AWAITING');
      expect(await page.getByTestId('approval-reasons').textContent()).toBe(
        `EUR: total ${EUR_TOTAL} is above the threshold 20000`,
      );
      const deadline = await page.locator(`${byTestId('approval-deadline')} time`).getAttribute('datetime');
      expect(Date.parse(deadline!)).toBeGreaterThan(Date.now() + 5 * 60_000);
      // No payout starts before the decision: no progress bar, and alice is told she cannot decide.
      expect(await page.getByTestId('settlement-progress').count()).toBe(0);
      await page.getByTestId('approval-own-run').waitFor();

      // EUR: every payout counted, the total in euros with two decimals, the 20 largest, largest first.
      await page.getByTestId('approval-preview-EUR').waitFor();
      const eur = page.getByTestId('approval-preview-EUR');
      expect(await eur.getAttribute('data-partners')).toBe(String(EUR_PAYOUTS));
      expect(await eur.getAttribute('data-total-minor')).toBe(String(EUR_TOTAL));
      expect(await page.getByTestId('approval-total-EUR').textContent()).toBe(
        `€${Math.floor(EUR_TOTAL / 100).toLocaleString('en-US')}.${String(EUR_TOTAL % 100).padStart(2, '0')}`,
      );
      expect(await page.getByTestId('approval-partners-EUR').textContent()).toBe(`${EUR_PAYOUTS} payouts`);
      const largest = page.locator(`${byTestId('approval-largest-EUR')} tbody tr`);
      expect(await largest.count()).toBe(20);
      const minors = await largest.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-minor')));
      const expected = eurPartners.map((_, i) => eurAmount(i)).sort((a, b) => b - a);
      expect(minors).toEqual(expected.slice(0, 20).map(String));
      const top = eurPartners[EUR_PAYOUTS - 1]!;
      expect(await largest.first().getAttribute('data-partner-id')).toBe(top.id);
      expect(await largest.first().textContent()).toContain(top.name);
      expect(await largest.first().textContent()).toContain('€81.00');
      expect(await page.getByTestId('approval-largest-EUR').textContent()).toContain(
        `The 20 largest of ${EUR_PAYOUTS} payouts in EUR`,
      );
      const skipped = page.locator(`${byTestId('approval-skipped-EUR')} [data-reason="BELOW_MINIMUM"]`);
      expect(await skipped.getAttribute('data-count')).toBe('1');
      expect(await skipped.textContent()).toBe('Below minimum · 1');

      // USD: under its threshold, yet in the run and its preview.
      expect(await page.getByTestId('approval-preview-USD').getAttribute('data-partners')).toBe('1');
      expect(await page.getByTestId('approval-total-USD').textContent()).toBe('$70.00');
      expect(
        await page
          .locator(`${byTestId('approval-largest-USD')} tbody tr`)
          .first()
          .getAttribute('data-partner-id'),
      ).toBe(usdPartner.id);

      expect(await panel.getByRole('button', { name: `Approve run ${SETTLEMENT_ID}` }).isEnabled()).toBe(
        true,
      );
      expect(await panel.getByRole('button', { name: `Reject run ${SETTLEMENT_ID}` }).isEnabled()).toBe(true);

      // The run awaiting approval, at the target width, nothing overflowing sideways.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    });

    it('shows the API’s four-eyes refusal when the run’s starter approves, and asks for a reason to reject', async () => {
      await page.getByTestId('settlement-approve').click();
      const refusal = page.getByTestId('settlement-approval-error');
      await refusal.waitFor();
      expect(await refusal.getAttribute('role')).toBe('alert');
      expect(await refusal.getAttribute('data-code')).toBe('SETTLEMENT.FOUR_EYES_VIOLATION');
      const text = await refusal.textContent();
      expect(text).toContain('HTTP 409');
      expect(text).toContain('alice started the run');
      expect(text).toContain('a second operator decides it');
      expect((await runOf(SETTLEMENT_ID)).body.status).toBe('AWAITING_APPROVAL');
      expect(await page.getByTestId('settlement-status').getAttribute('data-status')).toBe(
        'AWAITING_APPROVAL',
      );

      // Reject asks why first, in place; an empty reason goes nowhere.
      await page.getByTestId('settlement-reject').click();
      const reason = page.getByTestId('settlement-reject-reason');
      expect(await reason.evaluate((el) => el === document.activeElement)).toBe(true);
      await page.getByTestId('settlement-reject-confirm').click();
      expect(await reason.getAttribute('aria-invalid')).toBe('true');
      expect(await page.getByTestId('settlement-reject-form').textContent()).toContain(
        'a rejection needs a reason',
      );
      await page.getByTestId('settlement-reject-cancel').click();
      await page.getByTestId('settlement-reject').waitFor();
      await page.waitForFunction(
        (sel) => document.activeElement === document.querySelector(sel),
        byTestId('settlement-reject'),
      );
      expect((await runOf(SETTLEMENT_ID)).body.approval).toMatchObject({
        status: 'AWAITING',
        decidedBy: null,
      });
    });

    it('lets a second operator approve it in the page, and follows it to COMPLETED with who approved it', async () => {
      await signInAs(TEST_KEYS.bob, 'bob');
      await waitForAttribute(page, 'settlement-approval', 'data-approval-status', 'AWAITING');
      expect(await page.getByTestId('approval-own-run').count()).toBe(0);
      await recordAttribute(page, 'settlement-status', 'data-status');

      await page.getByTestId('settlement-approve').click();
      await waitForAttribute(page, 'settlement-approval', 'data-approval-status', 'APPROVED');
      expect(await page.getByTestId('approval-decided-by').textContent()).toBe('bob');
      const decidedAt = await page
        .locator(`${byTestId('approval-decided-at')} time`)
        .getAttribute('datetime');
      expect(Math.abs(Date.parse(decidedAt!) - Date.now())).toBeLessThan(60_000);
      expect(await page.getByTestId('settlement-approve').count()).toBe(0);
      expect(await page.getByTestId('settlement-approval-error').count()).toBe(0);

      await waitForAttribute(page, 'settlement-status', 'data-status', 'COMPLETED', 60_000);
      await waitForAttribute(page, 'settlement-progress', 'aria-valuenow', '100');
      expect(await page.getByTestId('settlement-progress-text').textContent()).toBe(
        `${EUR_PAYOUTS + 1} of ${EUR_PAYOUTS + 1} payouts · 100%`,
      );
      await waitForAttribute(page, `settlement-row-${SETTLEMENT_ID}`, 'data-status', 'COMPLETED');
      // On screen it went from waiting, through running, to completed — never back.
      const seen = await recordedAttribute(page);
      expect(seen[0]).toBe('AWAITING_APPROVAL');
      expect(seen.at(-1)).toBe('COMPLETED');
      const steps = seen.map((s) => ['AWAITING_APPROVAL', 'RUNNING', 'COMPLETED'].indexOf(s));
      expect(steps.every((i) => i >= 0)).toBe(true);
      expect(steps).toEqual([...steps].sort((a, b) => a - b));

      const stored = (await runOf(SETTLEMENT_ID)).body;
      expect(stored).toMatchObject({
        status: 'COMPLETED',
        itemCount: EUR_PAYOUTS + 1,
        approval: { status: 'APPROVED', decidedBy: 'bob' },
      });
      expect(await page.getByTestId('settlement-approval').textContent()).toContain('Approved by');
    });

    it('flags a run whose workflow was terminated as stopped, with its held commissions, and releases it from the page', async () => {
      h.sys.bank!.bank.setFaults({ latencyMs: 1_200 });
      try {
        await page.getByTestId('settlement-period-end').fill(RELEASE_PERIOD_END);
        await page.getByTestId('settlement-currency').selectOption('USD');
        await page.getByTestId('settlement-submit').click();
        await waitForAttribute(page, 'settlement-detail', 'data-settlement-id', RELEASE_ID);
        // Running, under its threshold: paying at once, and nothing to release.
        await page.getByTestId('settlement-progress').waitFor();
        await eventually(
          () => runOf(RELEASE_ID),
          // Until the run is planned its GET has no items yet (a 404 under load).
          (r) =>
            (r.body.items ?? []).some((i: { paymentStatus: string }) => i.paymentStatus !== 'NOT_RECORDED'),
          { timeoutMs: 20_000, intervalMs: 100 },
        );
        expect(await page.getByTestId('settlement-status').getAttribute('data-status')).toBe('RUNNING');
        expect(await page.getByTestId('settlement-release').count()).toBe(0);
        expect(await page.getByTestId('settlement-stopped').count()).toBe(0);

        // Stopped with a payout under way and the rest never started: the page's poll finds it so.
        await h.sys.client.workflow.getHandle(RELEASE_ID).terminate('stopped by the test');
        await page.getByTestId('settlement-release').waitFor({ timeout: 15_000 });
        await page.getByTestId('settlement-stopped').waitFor();
        const stranded = Number(await page.getByTestId('settlement-stranded').getAttribute('data-count'));
        expect(stranded).toBeGreaterThan(0);
        expect(stranded).toBeLessThan(RELEASE_PAYOUTS);
        expect(await page.getByTestId('settlement-stranded').textContent()).toBe(
          `${stranded} commissions are held for payouts it never started.`,
        );

        await page.getByTestId('settlement-release-open').click();
        await page.getByTestId('settlement-release-confirm').click();
        expect(await page.getByTestId('settlement-release-reason').getAttribute('aria-invalid')).toBe('true');
        await page.getByTestId('settlement-release-reason').fill('worker pool lost in the outage');
        await page.getByTestId('settlement-release-confirm').click();
        await waitForAttribute(page, 'settlement-status', 'data-status', 'RELEASED');
        const note = page.getByTestId('settlement-released');
        await note.waitFor();
        // What the API answered: the unstarted payouts, and their commissions (one each) payable again.
        expect(await note.getAttribute('data-payouts')).toBe(String(stranded));
        expect(await note.getAttribute('data-commissions')).toBe(String(stranded));
        const text = await note.textContent();
        expect(text).toContain('Released by bob');
        expect(text).toContain('worker pool lost in the outage');
        expect(text).toContain(
          `${stranded} unstarted payouts given back, ${stranded} commissions payable again.`,
        );
        expect(await page.getByTestId('settlement-release').count()).toBe(0);
        expect(await page.getByTestId('settlement-release-error').count()).toBe(0);
        await waitForAttribute(page, `settlement-row-${RELEASE_ID}`, 'data-status', 'RELEASED');
        expect((await runOf(RELEASE_ID)).body).toMatchObject({ status: 'RELEASED', stopped: false });
      } finally {
        h.sys.bank!.bank.setFaults({ latencyMs: 0 });
        await page.getByTestId('settlement-currency').selectOption('');
      }
    });
  });
}
