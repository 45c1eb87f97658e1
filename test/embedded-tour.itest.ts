import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inheritedChildEnv } from './support/child-env';
import { freePort } from './support/free-port';
import { eventually, http } from './support/system';
import { testEnvironment } from './support/test-env';

const ROOT = resolve(__dirname, '..');

/**
 * The embedded default end to end: `make start` (its build, then its launcher) with nothing configured but its ports
 * and data folder — its own Temporal dev server, PGlite, the sandbox bank, worker, API and UI in
 * one process tree — and the README's tour against it. No PostgreSQL and no shared dev server:
 * what a newcomer runs first is tested as it is.
 */
describe('the embedded default: the launcher on PGlite, and the README tour', () => {
  let dir: string;
  let launcher: ChildProcess;
  let output = '';
  let api: string;
  let bank: string;
  let keys: { admin: string; approver: string };
  const as = (key: string) => ({ authorization: `Bearer ${key}` });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'alpes-embedded-'));
    const [temporalPort, temporalUiPort, apiPort, uiPort, bankPort] = await Promise.all(
      Array.from({ length: 5 }, () => freePort()),
    );
    api = `http://127.0.0.1:${apiPort}`;
    bank = `http://127.0.0.1:${bankPort}`;
    // What `make start` runs: `make build` (compiled dist/, workflow bundles), then scripts/start.sh.
    const built = spawnSync('make', ['--no-print-directory', 'build'], {
      cwd: ROOT,
      env: inheritedChildEnv(),
      encoding: 'utf8',
      timeout: 170_000,
    });
    if (built.status !== 0) throw new Error(`make build failed:\n${built.stdout}\n${built.stderr}`);
    launcher = spawn('bash', ['scripts/start.sh'], {
      cwd: ROOT,
      // Only what a newcomer would have: no DATABASE_URL (so PGlite), no TEMPORAL_ADDRESS (so the
      // launcher's own dev server), no secrets (so generated local ones).
      env: {
        ...inheritedChildEnv(),
        DATA_DIR: dir,
        TEMPORAL_CLI: testEnvironment().temporalCli,
        TEMPORAL_PORT: String(temporalPort),
        TEMPORAL_UI_PORT: String(temporalUiPort),
        API_PORT: String(apiPort),
        UI_PORT: String(uiPort),
        SANDBOX_BANK_PORT: String(bankPort),
        TEMPORAL_METRICS_PORT: '0',
        LOG_LEVEL: 'warn',
      },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (c: Buffer): void => {
      output = (output + c.toString('utf8')).slice(-20_000);
    };
    launcher.stdout!.on('data', collect);
    launcher.stderr!.on('data', collect);
    await eventually(
      async () => {
        if (launcher.exitCode !== null) throw new Error(`the launcher exited:\n${output}`);
        return fetch(`${api}/readyz`)
          .then((r) => r.status)
          .catch(() => 0);
      },
      (status) => status === 200,
      { timeoutMs: 150_000, intervalMs: 500 },
    );
    const local = JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8')) as {
      adminApiKey: string;
      approverApiKey: string;
    };
    keys = { admin: local.adminApiKey, approver: local.approverApiKey };
  }, 360_000);

  afterAll(async () => {
    if (launcher?.pid && launcher.exitCode === null) {
      const exited = new Promise((r) => launcher.once('exit', r));
      process.kill(launcher.pid, 'SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      if (launcher.exitCode === null) process.kill(-launcher.pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  const payment = async (partnerId: string, amountMinor: number, key: string) => {
    const res = await http(
      api,
      'POST',
      '/payments',
      { partnerId, currency: 'USD', lines: [{ reference: `ref-${key}`, amountMinor, description: 'tour' }] },
      { ...as(keys.admin), 'idempotency-key': key },
    );
    expect(res.status).toBe(202);
    return res.body.id as string;
  };
  const statusOf = (id: string) =>
    eventually(
      async () =>
        (await http(api, 'GET', `/payments/${id}`, undefined, as(keys.admin))).body.status as string,
      (s) => s !== 'PENDING' && s !== 'PROCESSING',
      { timeoutMs: 30_000, intervalMs: 200 },
    );

  it('runs on PGlite with its own dev server and prints the two local keys', () => {
    expect(keys.admin).toMatch(/^alpes_/);
    expect(keys.approver).toMatch(/^alpes_/);
    expect(keys.admin).not.toBe(keys.approver);
  });

  it('walks the tour: a partner, a small payment paid, a large one approved by the second key, a refund, the ledger', async () => {
    const partner = await http(
      api,
      'POST',
      '/partners',
      { name: 'Ana Influencer', email: 'ana@example.com', payoutAccount: 'DE89 3704 0044 0532 0130 00' },
      as(keys.admin),
    );
    expect(partner.status).toBe(201);
    expect(partner.body.payoutAccount).toBe('****3000');
    const partnerId = partner.body.id as string;

    const small = await payment(partnerId, 12_000, 'march-invoice-1');
    expect(await statusOf(small)).toBe('COMPLETED');

    const large = await payment(partnerId, 2_500_000, 'q1-bonus-1');
    expect(await statusOf(large)).toBe('AWAITING_APPROVAL');
    const byCreator = await http(api, 'POST', `/payments/${large}/approve`, undefined, as(keys.admin));
    expect(byCreator.status).toBe(409);
    expect(byCreator.body.code).toBe('PAYMENT.FOUR_EYES_VIOLATION');
    const byApprover = await http(api, 'POST', `/payments/${large}/approve`, undefined, as(keys.approver));
    expect(byApprover.status).toBe(200);
    await eventually(
      async () => (await http(api, 'GET', `/payments/${large}`, undefined, as(keys.admin))).body.status,
      (s) => s === 'COMPLETED',
      { timeoutMs: 30_000, intervalMs: 200 },
    );

    const refund = await http(
      api,
      'POST',
      `/payments/${large}/refund`,
      { reason: 'chargeback' },
      as(keys.approver),
    );
    expect(refund.status).toBe(200);
    await eventually(
      async () => (await http(api, 'GET', `/payments/${large}`, undefined, as(keys.admin))).body.status,
      (s) => s === 'REFUNDED',
      { timeoutMs: 30_000, intervalMs: 200 },
    );

    // The bank's own ledger: both payouts, and the refund given back.
    const { entries } = (await (await fetch(`${bank}/ledger`)).json()) as {
      entries: Array<{ kind: string; paymentId: string; amountMinor: number }>;
    };
    const ours = entries
      .filter((e) => e.paymentId === small || e.paymentId === large)
      .map((e) => `${e.kind} ${e.paymentId === small ? 'small' : 'large'} ${e.amountMinor}`)
      .sort();
    expect(ours).toEqual(['PAYOUT large 2500000', 'PAYOUT small 12000', 'REFUND large 2500000']);
    const summary = (await (await fetch(`${bank}/ledger/summary`)).json()) as Record<string, unknown>;
    expect(Object.keys(summary.currencies as Record<string, unknown>)).toContain('USD');
  }, 120_000);

  it('stops everything on Ctrl-C, its dev server included', async () => {
    const exited = new Promise<number | null>((r) => launcher.once('exit', (code) => r(code)));
    process.kill(launcher.pid!, 'SIGINT');
    expect(await exited).toBe(0);
    // Nothing of its process group is left (the dev server ran in it).
    await eventually(
      async () => {
        try {
          process.kill(-launcher.pid!, 0);
          return true;
        } catch {
          return false;
        }
      },
      (alive) => !alive,
      { timeoutMs: 15_000, intervalMs: 250 },
    );
  }, 30_000);
});
