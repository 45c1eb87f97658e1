import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startDashboardHarness, type DashboardHarness } from './support/dashboard-harness';
import { byTestId, describeInChromium, openChromiumPage, waitForAttribute } from './support/dashboard-page';
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database';
import { bearer, createPartner, eventually, http, TEST_KEYS } from './support/system';
import { describeWithPostgres } from './support/test-env';

// The Bank files page in a real browser against real Temporal + PostgreSQL and the sandbox bank
// taking pain.001 files over HTTP: EUR payouts go to the ISO 20022 file rail first and to the
// sandbox bank's API when the bank definitely rejects them (issue 25 §5).
jest.setTimeout(120_000);

const SCREENSHOT = resolve(__dirname, '..', 'artifacts', 'dashboard-bank-files.png');
const TITLE = 'dashboard Bank files page in Chromium (real Temporal, PostgreSQL, sandbox bank files)';

const ROUTES = [
  { method: 'BANK_TRANSFER', currency: 'EUR', providers: ['iso20022-file', 'sandbox-bank'] },
  { providers: ['sandbox-bank'] },
];

interface ApiBankFile {
  msgId: string;
  status: string;
  currency: string;
  numberOfTransactions: number;
  controlSumMinor: number;
  items: Record<string, number>;
  reports: number;
}

describeInChromium(TITLE, browserSuite);

function browserSuite(): void {
  describeWithPostgres(TITLE, (sharedUrl) => {
    let h: DashboardHarness;
    let browser: Browser;
    let page: Page;
    let scratch: ScratchDatabase | undefined;
    let pageErrors: string[] = [];
    let cspViolations: string[] = [];
    /** The payment the bank rejected (AC04) on the file rail, and the one it accepted. */
    let rejected: string;
    let accepted: string;
    let rejectedFile: ApiBankFile;
    let acceptedFile: ApiBankFile;

    const api = (method: string, path: string, body?: unknown, key: string = TEST_KEYS.admin) =>
      http(h.sys.apiUrl, method, path, body, bearer(key));
    const pay = async (partnerId: string, amountMinor: number): Promise<string> => {
      const res = await api('POST', '/payments', {
        partnerId,
        currency: 'EUR',
        lines: [{ reference: `dash-file-${randomUUID().slice(0, 8)}`, amountMinor, description: 'by file' }],
      });
      if (res.status !== 202) throw new Error(`payment refused: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.id as string;
    };
    const completed = (id: string) =>
      eventually(
        async () => (await api('GET', `/payments/${id}`)).body,
        (p) => ['COMPLETED', 'FAILED'].includes(p?.status),
        { timeoutMs: 60_000, intervalMs: 250 },
      );

    beforeAll(async () => {
      // The file cycle looks at every transfer of its database: this suite's are its own.
      scratch = await createScratchDatabase(sharedUrl, 'alpes_dash_bank_files');
      h = await startDashboardHarness({
        DATABASE_URL: scratch.url,
        PAYOUT_ROUTES: JSON.stringify(ROUTES),
        BANK_FILE_SCHEDULE: '1s',
        BANK_FILE_SCHEDULE_ID: `test-dash-bank-files-${randomUUID()}`,
        BANK_FILE_WAIT: '2s',
        PAYOUT_TIMEOUT: '25s',
        ACTIVITY_START_TO_CLOSE_TIMEOUT: '5s',
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
      await scratch?.drop();
    }, 60_000);

    afterEach(() => {
      expect(pageErrors).toEqual([]);
      expect(cspViolations).toEqual([]);
    });

    it('shows the files as they are sent and answered: status, count, control sum in euros, transfers, reports', async () => {
      await page.goto(`${h.uiUrl}/#key=${TEST_KEYS.alice}`);
      await waitForAttribute(page, 'conn-state', 'data-state', 'live');
      await page.getByTestId('nav-bank-files').click();
      expect(new URL(page.url()).hash).toBe('#/bank-files');
      await page.getByTestId('bank-files-empty').waitFor();
      await page.getByTestId('bank-file-anomalies-empty').waitFor();

      // One file each, one after the other: the bank rejects the first file's transfer (AC04).
      const bankFaults = await http(
        h.sys.bankUrl!,
        'PUT',
        '/admin/faults',
        { rejectNext: 1, rejectReason: 'AC04' },
        { authorization: '' },
      );
      expect(bankFaults.status).toBe(200);
      rejected = await pay((await createPartner(h.sys.apiUrl, { name: 'Closed Account GmbH' })).id, 4_321);
      expect((await completed(rejected)).status).toBe('COMPLETED');
      accepted = await pay((await createPartner(h.sys.apiUrl, { name: 'Open Account BV' })).id, 123_456);
      expect((await completed(accepted)).status).toBe('COMPLETED');

      const files = (await api('GET', '/bank-files', undefined, TEST_KEYS.viewer)).body
        .items as ApiBankFile[];
      expect(files).toHaveLength(2);
      rejectedFile = files.find((f) => f.items.REJECTED === 1)!;
      acceptedFile = files.find((f) => f.items.ACCEPTED === 1)!;
      expect(rejectedFile).toMatchObject({
        status: 'REJECTED',
        numberOfTransactions: 1,
        controlSumMinor: 4_321,
      });
      expect(acceptedFile).toMatchObject({
        status: 'ACCEPTED',
        numberOfTransactions: 1,
        controlSumMinor: 123_456,
      });

      // The page followed on its own (stream and poll): no reload.
      await waitForAttribute(page, `bank-file-row-${acceptedFile.msgId}`, 'data-status', 'ACCEPTED');
      await waitForAttribute(page, `bank-file-row-${rejectedFile.msgId}`, 'data-status', 'REJECTED');
      expect(await page.getByTestId('bank-files-count').textContent()).toBe('2');
      // Newest first.
      expect(
        await page.$$eval(`${byTestId('bank-files-table')} tbody tr[data-status]`, (rows) =>
          rows.map((r) => r.getAttribute('data-testid')),
        ),
      ).toEqual([`bank-file-row-${acceptedFile.msgId}`, `bank-file-row-${rejectedFile.msgId}`]);

      const expected = [
        { file: acceptedFile, chip: 'Accepted', sum: '€1,234.56', transfer: 'ACCEPTED' },
        { file: rejectedFile, chip: 'Rejected', sum: '€43.21', transfer: 'REJECTED' },
      ];
      for (const { file, chip, sum, transfer } of expected) {
        const id = file.msgId;
        expect(await page.getByTestId(`bank-file-status-${id}`).textContent()).toBe(chip);
        expect(await page.getByTestId(`bank-file-currency-${id}`).textContent()).toBe('EUR');
        expect(await page.getByTestId(`bank-file-count-${id}`).textContent()).toBe('1');
        expect(await page.getByTestId(`bank-file-sum-${id}`).textContent()).toBe(sum);
        expect(await page.getByTestId(`bank-file-sum-${id}`).getAttribute('data-minor')).toBe(
          String(file.controlSumMinor),
        );
        const transfers = page.getByTestId(`bank-file-transfers-${id}`);
        expect(
          await transfers
            .locator('[data-transfer-status]')
            .evaluateAll((els) =>
              els.map((e) => [e.getAttribute('data-transfer-status'), e.getAttribute('data-count')]),
            ),
        ).toEqual([[transfer, '1']]);
        expect(Number(await page.getByTestId(`bank-file-reports-${id}`).textContent())).toBe(file.reports);
        expect(file.reports).toBeGreaterThanOrEqual(1);
      }
      // Nothing the bank said was left unapplied.
      await page.getByTestId('bank-file-anomalies-empty').waitFor();
    });

    it('downloads the pain.001 and its pain.002 as an operator, with the key in a header and not the URL', async () => {
      const id = rejectedFile.msgId;
      const link = page.getByTestId(`bank-file-pain001-${id}`);
      const href = await link.getAttribute('href');
      expect(href).toBe(`${h.sys.apiUrl}/bank-files/${id}/pain.001`);

      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
      expect(download.suggestedFilename()).toBe(`pain.001-${id}.xml`);
      const xml = await readFile((await download.path())!, 'utf8');
      expect(xml).toContain('pain.001.001.10');
      expect(xml).toContain(`<MsgId>${id}</MsgId>`);
      expect(xml).toContain(`<EndToEndId>${rejected.replace(/-/g, '')}</EndToEndId>`);
      expect(xml).toContain('<CtrlSum>43.21</CtrlSum>');

      // The link's address answers XML to an operator's key, and not to a viewer's.
      const asOperator = await fetch(href!, { headers: bearer(TEST_KEYS.alice) });
      expect(asOperator.status).toBe(200);
      expect(asOperator.headers.get('content-type')).toMatch(/^application\/xml/);
      expect(await asOperator.text()).toBe(xml);
      expect((await fetch(href!, { headers: bearer(TEST_KEYS.viewer) })).status).toBe(403);

      await page.getByTestId(`bank-file-expand-${id}`).click();
      const report = page.locator(
        `${byTestId(`bank-file-report-list-${id}`)} ${byTestId('bank-file-report')}`,
      );
      await report.first().waitFor();
      expect(await report.count()).toBe(rejectedFile.reports);
      const [report002] = await Promise.all([
        page.waitForEvent('download'),
        report.first().getByTestId('bank-file-pain002').click(),
      ]);
      const pain002 = await readFile((await report002.path())!, 'utf8');
      expect(pain002).toContain('pain.002.001.11');
      expect(pain002).toContain(`<OrgnlMsgId>${id}</OrgnlMsgId>`);
      expect(pain002).toContain('AC04');

      // At the suites' width nothing overflows sideways (the top bar has one more tab now).
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
      mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    });

    it('shows each payment’s payout provider and attempts: the file rail’s AC04, then the sandbox bank', async () => {
      await page.getByTestId('nav-payments').click();
      await page.getByTestId(`expand-${rejected}`).click();
      await waitForAttribute(page, `payout-${rejected}`, 'data-provider', 'sandbox-bank');
      const attempts = page.locator(`${byTestId(`payout-${rejected}`)} ${byTestId('payout-attempt')}`);
      expect(
        await attempts.evaluateAll((els) =>
          els.map((e) => [
            e.getAttribute('data-attempt'),
            e.getAttribute('data-provider'),
            e.getAttribute('data-status'),
          ]),
        ),
      ).toEqual([
        ['1', 'iso20022-file', 'DECLINED'],
        ['2', 'sandbox-bank', 'PAID'],
      ]);
      expect(await attempts.first().textContent()).toContain('AC04');
      expect(await attempts.first().textContent()).toContain('Declined');
      expect(await page.getByTestId(`payout-provider-${rejected}`).textContent()).toBe('sandbox-bank');

      await page.getByTestId(`expand-${accepted}`).click();
      await waitForAttribute(page, `payout-${accepted}`, 'data-provider', 'iso20022-file');
      const one = page.locator(`${byTestId(`payout-${accepted}`)} ${byTestId('payout-attempt')}`);
      expect(
        await one.evaluateAll((els) =>
          els.map((e) => [e.getAttribute('data-provider'), e.getAttribute('data-status')]),
        ),
      ).toEqual([['iso20022-file', 'PAID']]);
    });

    it('shows a viewer the files but not the documents', async () => {
      await page.goto(`${h.uiUrl}/#key=${TEST_KEYS.viewer}`);
      await page.reload();
      await waitForAttribute(page, 'conn-state', 'data-state', 'live');
      await page.getByTestId('nav-bank-files').click();
      await waitForAttribute(page, `bank-file-row-${acceptedFile.msgId}`, 'data-status', 'ACCEPTED');
      expect(await page.getByTestId(`bank-file-pain001-${acceptedFile.msgId}`).count()).toBe(0);
      expect(await page.getByTestId(`bank-file-row-${acceptedFile.msgId}`).textContent()).toContain(
        'operators only',
      );
    });
  });
}
