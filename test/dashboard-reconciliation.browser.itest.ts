import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { Knex } from 'knex';
import type { Browser, Page } from 'playwright-core';
import { migrateSandboxBank } from '../src/sandbox-bank/sandbox-bank.migrations';
import { createSandboxBank, type SandboxBank } from '../src/sandbox-bank/sandbox-bank.server';
import { openDatabase } from '../src/shared/db/knex-database';
import { startDashboardHarness, type DashboardHarness } from './support/dashboard-harness';
import { byTestId, describeInChromium, openChromiumPage, waitForAttribute } from './support/dashboard-page';
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database';
import { bearer, createPartner, eventually, http, TEST_KEYS } from './support/system';
import { describeWithPostgres } from './support/test-env';

// The Reconciliation page in a real browser against real Temporal + PostgreSQL: payouts paid by
// ISO 20022 file to the sandbox bank, whose statements (served by a second sandbox bank over the
// same database, its clock two days ahead, so today is a closed day) are fetched from the page.
// One payout booked a cent off and one entry nobody ordered give two exceptions; the first is
// explained, the second written off by two operators (issue 26 §3).
jest.setTimeout(120_000);

const DOCS = resolve(__dirname, '..', 'docs');
const TITLE =
  'dashboard Reconciliation page in Chromium (real Temporal, PostgreSQL, sandbox bank statements)';
const ROUTES = [
  { method: 'BANK_TRANSFER', currency: 'EUR', providers: ['iso20022-file'] },
  { providers: ['sandbox-bank'] },
];
const FOUR_EYES_ABOVE = 500;

interface ApiException {
  id: number;
  kind: string;
  status: string;
  paymentId: string | null;
  proposedBy: string | null;
  resolvedBy: string | null;
  resolution: string | null;
}

describeInChromium(TITLE, browserSuite);

function browserSuite(): void {
  describeWithPostgres(TITLE, (sharedUrl) => {
    let h: DashboardHarness;
    let browser: Browser;
    let page: Page;
    let scratch: ScratchDatabase | undefined;
    let db: Knex;
    let later: SandboxBank;
    let pageErrors: string[] = [];
    let cspViolations: string[] = [];
    let offByOne: string;
    let unordered: string;
    let mismatch: ApiException;
    let unmatched: ApiException;

    const api = (method: string, path: string, body?: unknown, key: string = TEST_KEYS.admin) =>
      http(h.sys.apiUrl, method, path, body, bearer(key));
    const exceptions = async (): Promise<ApiException[]> =>
      (await api('GET', '/reconciliation/exceptions', undefined, TEST_KEYS.viewer)).body.items;
    const pay = async (partnerId: string, amountMinor: number): Promise<string> => {
      const res = await api('POST', '/payments', {
        partnerId,
        currency: 'EUR',
        lines: [{ reference: `dash-recon-${randomUUID().slice(0, 8)}`, amountMinor, description: 'by file' }],
      });
      if (res.status !== 202) throw new Error(`payment refused: ${res.status} ${JSON.stringify(res.body)}`);
      const id = res.body.id as string;
      const done = await eventually(
        async () => (await api('GET', `/payments/${id}`)).body,
        (p) => ['COMPLETED', 'FAILED'].includes(p?.status),
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      expect(done.status).toBe('COMPLETED');
      expect(done.payout.provider).toBe('iso20022-file');
      return id;
    };
    const bankFaults = async (faults: Record<string, number>) =>
      expect((await http(h.sys.bankUrl!, 'PUT', '/admin/faults', faults, { authorization: '' })).status).toBe(
        200,
      );
    const row = (e: ApiException) => page.getByTestId(`recon-exception-${e.id}`);
    const openAs = async (key: string) => {
      await page.goto(`${h.uiUrl}/#key=${key}`);
      await page.reload();
      await waitForAttribute(page, 'conn-state', 'data-state', 'live');
      await page.getByTestId('nav-reconciliation').click();
    };

    beforeAll(async () => {
      // The file cycle and the statements look at every transfer of their database: these are the suite's own.
      scratch = await createScratchDatabase(sharedUrl, 'alpes_dash_recon');
      db = openDatabase({ kind: 'postgres', url: scratch.url });
      await migrateSandboxBank(db);
      later = createSandboxBank({ db, clock: () => new Date(Date.now() + 2 * 86_400_000) });
      const laterUrl = await later.start(0, '127.0.0.1');
      h = await startDashboardHarness({
        DATABASE_URL: scratch.url,
        PAYOUT_ROUTES: JSON.stringify(ROUTES),
        BANK_FILE_SCHEDULE: '1s',
        BANK_FILE_SCHEDULE_ID: `test-dash-recon-${randomUUID()}`,
        BANK_FILE_WAIT: '2s',
        PAYOUT_TIMEOUT: '25s',
        ACTIVITY_START_TO_CLOSE_TIMEOUT: '5s',
        RECONCILIATION_BANK_URL: laterUrl,
        RECONCILIATION_GRACE: '1h',
        RECONCILIATION_WRITE_OFF_FOUR_EYES_MINOR: String(FOUR_EYES_ABOVE),
      });
      ({ browser, page, pageErrors, cspViolations } = await openChromiumPage());
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
      // The cycle's Schedule lives on the shared dev server: it must not outlive this file.
      await h?.sys.client.schedule
        .getHandle(h.sys.config.rails.bankFiles.scheduleId)
        .delete()
        .catch(() => undefined);
      await h?.stop();
      await later?.stop();
      await db?.destroy();
      await scratch?.drop();
    }, 60_000);

    afterEach(() => {
      expect(pageErrors).toEqual([]);
      expect(cspViolations).toEqual([]);
    });

    it('fetches the statements from the page and shows expected vs booked per day and the two exceptions, oldest first', async () => {
      await openAs(TEST_KEYS.alice);
      expect(new URL(page.url()).hash).toBe('#/reconciliation');
      await page.getByTestId('recon-days-empty').waitFor();
      await page.getByTestId('recon-exceptions-empty').waitFor();

      // One payout per file: the bank books the first a cent off, and adds an entry nobody ordered to the second.
      const partner = (await createPartner(h.sys.apiUrl, { name: 'Statement GmbH' })).id;
      await bankFaults({ offByOneNextEntry: 1 });
      offByOne = await pay(partner, 4_321);
      await bankFaults({ unorderedNextEntry: 1 });
      unordered = await pay(partner, 5_555);

      await page.getByTestId('recon-fetch').click();
      const today = new Date().toISOString().slice(0, 10);
      const account = h.sys.config.rails.bankFiles.debtor.iban;
      const dayId = `${today}-${account}-EUR`;
      await waitForAttribute(page, `recon-booked-${dayId}`, 'data-count', '1');
      expect(await page.getByTestId(`recon-expected-${dayId}`).getAttribute('data-minor')).toBe('9876');
      expect(await page.getByTestId(`recon-expected-${dayId}`).textContent()).toBe('€98.76 (2)');
      expect(await page.getByTestId(`recon-booked-${dayId}`).getAttribute('data-minor')).toBe('5555');
      // The cent-off booking does not book its payout: it awaits a statement that agrees.
      expect(await page.getByTestId(`recon-awaiting-${dayId}`).getAttribute('data-minor')).toBe('4321');
      expect(await page.getByTestId(`recon-day-${dayId}`).getAttribute('data-settled')).toBe('false');

      const all = await exceptions();
      expect(all.map((e) => e.kind).sort()).toEqual(['AMOUNT_MISMATCH', 'UNMATCHED_ENTRY']);
      mismatch = all.find((e) => e.kind === 'AMOUNT_MISMATCH')!;
      unmatched = all.find((e) => e.kind === 'UNMATCHED_ENTRY')!;
      expect(mismatch.paymentId).toBe(offByOne);
      await waitForAttribute(page, `recon-exception-${mismatch.id}`, 'data-status', 'OPEN');
      await waitForAttribute(page, `recon-exception-${unmatched.id}`, 'data-status', 'OPEN');
      expect(await page.getByTestId('recon-exceptions-count').textContent()).toBe('2');
      // Oldest first: the API's order (ids follow creation).
      expect(
        await page.$$eval(`${byTestId('recon-exceptions-table')} tbody tr[data-kind]`, (rows) =>
          rows.map((r) => Number(r.getAttribute('data-testid')!.split('-').pop())),
        ),
      ).toEqual([mismatch.id, unmatched.id].sort((a, b) => a - b));
      expect(await page.getByTestId(`recon-exception-amount-${mismatch.id}`).textContent()).toBe('€43.22');
      expect(await page.getByTestId(`recon-exception-amount-${unmatched.id}`).textContent()).toBe('€12.34');

      await page.getByTestId('recon-filter-kind').selectOption('AMOUNT_MISMATCH');
      await row(unmatched).waitFor({ state: 'detached' });
      expect(await page.getByTestId('recon-exceptions-count').textContent()).toBe('1');
      await page.getByTestId('recon-filter-kind').selectOption('');
      await row(unmatched).waitFor();
      expect(unordered).toBeTruthy();
    });

    it('links an exception to its payment', async () => {
      await page.getByTestId(`recon-exception-payment-${mismatch.id}`).click();
      await page.waitForFunction(() => location.hash === '#/payments');
      await page.getByTestId(`expand-${offByOne}`).waitFor();
      await page.getByTestId('nav-reconciliation').click();
      await row(mismatch).waitFor();
    });

    it('explains the cent with a reason (refused without one), and the queue drops it', async () => {
      await page.getByTestId(`recon-exception-resolve-${mismatch.id}`).click();
      const form = page.getByTestId(`recon-resolve-form-${mismatch.id}`);
      await form.getByTestId('recon-resolve-submit').click();
      await form.getByTestId('recon-reason-error').waitFor();
      expect((await exceptions()).find((e) => e.id === mismatch.id)!.status).toBe('OPEN');
      // A cent written off would not need a second operator either; explained it is.
      expect(await form.getByTestId('recon-four-eyes').count()).toBe(0);
      await form.getByTestId('recon-reason').fill('one cent, bank rounding');
      await form.getByTestId('recon-resolve-submit').click();
      await row(mismatch).waitFor({ state: 'detached' });
      expect(await page.getByTestId('recon-exceptions-count').textContent()).toBe('1');
      expect((await exceptions()).find((e) => e.id === mismatch.id)).toMatchObject({
        status: 'RESOLVED',
        resolution: 'EXPLAINED',
        resolvedBy: 'alice',
      });
    });

    it('writes off the unordered entry: told it needs a second operator, proposed by alice, confirmed by bob', async () => {
      await page.getByTestId(`recon-exception-resolve-${unmatched.id}`).click();
      const form = page.getByTestId(`recon-resolve-form-${unmatched.id}`);
      await form.getByTestId('recon-resolution').selectOption('WRITE_OFF');
      expect(await form.getByTestId('recon-four-eyes').textContent()).toContain('€5.00');
      await form.getByTestId('recon-reason').fill('bank fee, agreed by phone');
      await form.getByTestId('recon-resolve-submit').click();
      await waitForAttribute(
        page,
        `recon-exception-${unmatched.id}`,
        'data-status',
        'AWAITING_SECOND_APPROVAL',
      );
      // Alice may not confirm her own proposal: the page offers her nothing.
      expect(await page.getByTestId(`recon-exception-resolve-${unmatched.id}`).count()).toBe(0);
      expect(await row(unmatched).textContent()).toContain('awaiting another operator');
      await page.locator('main').screenshot({ path: resolve(DOCS, 'dashboard-reconciliation.png') });

      await openAs(TEST_KEYS.bob);
      await page.getByTestId(`recon-exception-resolve-${unmatched.id}`).click();
      const confirm = page.getByTestId(`recon-resolve-form-${unmatched.id}`);
      expect(await confirm.getByTestId('recon-confirming').textContent()).toContain('alice');
      await confirm.getByTestId('recon-reason').fill('confirmed with the statement');
      await confirm.getByTestId('recon-resolve-submit').click();
      await page.getByTestId('recon-exceptions-empty').waitFor();
      expect((await exceptions()).find((e) => e.id === unmatched.id)).toMatchObject({
        status: 'RESOLVED',
        resolution: 'WRITE_OFF',
        proposedBy: 'alice',
        resolvedBy: 'bob',
      });
      // Resolved, never deleted: the full list still shows both.
      await page.getByTestId('recon-filter-show').selectOption('all');
      await waitForAttribute(page, `recon-exception-${unmatched.id}`, 'data-status', 'RESOLVED');
      await waitForAttribute(page, `recon-exception-${mismatch.id}`, 'data-status', 'RESOLVED');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
    });
  });
}
