import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firedMarkerPath, type CrashFault, type CrashPlanFile } from '../src/infra/testing/crash-plan';
import type { History } from '@temporalio/common/lib/proto-utils';
import { PATCHES_AT_START } from '../src/workflows/payment.workflow';
import { paymentWorkflowId } from '../src/workflows/workflow-ids';
import { ensureFixture, paymentFixtureName } from './support/history-fixtures';
import { bearer, createPartner, http, startTestSystem, TEST_KEYS, type TestSystem } from './support/system';
import { describeWithPostgres, testEnvironment } from './support/test-env';
import { spawnWorkerProcess, workerProcessEnv, type WorkerProcess } from './support/worker-process';

/**
 * The crash matrix (issue 22). Every step of the payment path is durable before its workflow task
 * records it: a local step's commit, the bank's answer to a payout, a notice's signal. A worker
 * that dies there (column `exit`: SIGKILL) or stalls there until the server gives its task to
 * another (column `freeze`: SIGSTOP until the workflow task or the activity has timed out) makes
 * the next worker run the step again, and it may find a later state than it expects. For every
 * step, in every scripted payment that has it, the payment must reach its scripted end, be paid at
 * most once (the bank's ledger), and tell its partner each piece of news once.
 *
 * Three worker processes run the payments, all with the same crash plan (TEST_CRASH_PLAN): each
 * fault fires once, in whichever worker gets there; a supervisor restarts a worker that died and
 * resumes a frozen one once its task has visibly timed out.
 */

const ENV = {
  // Short, so a lost worker is noticed soon: a workflow task in 3 s, an activity by heartbeat in 5 s.
  TEMPORAL_WORKFLOW_TASK_TIMEOUT: '3s',
  ACTIVITY_START_TO_CLOSE_TIMEOUT: '5s',
  ACTIVITY_RETRY_INITIAL_INTERVAL: '100ms',
  ACTIVITY_RETRY_MAX_INTERVAL: '1s',
  // Long enough for the refund to arrive after a crash, short enough that completed runs close.
  REFUND_WINDOW: '40s',
};

type Scenario = 'small' | 'large' | 'rejected' | 'refunded';

interface Script {
  amountMinor: number;
  decision?: 'approve' | 'reject';
  refund?: boolean;
  end: string;
  notices: string[];
  steps: string[];
}

/** USD approval threshold: 10,000.00. The creator is `admin`; `bob` decides (four-eyes). */
const SCRIPTS: Record<Scenario, Script> = {
  small: {
    amountMinor: 12_000,
    end: 'COMPLETED',
    notices: ['PaymentCreated', 'PaymentCompleted'],
    steps: ['recordPayment', 'notice:PaymentCreated', 'payOut', 'completePayment', 'notice:PaymentCompleted'],
  },
  large: {
    amountMinor: 2_500_000,
    decision: 'approve',
    end: 'COMPLETED',
    notices: ['PaymentCreated', 'PaymentAwaitingApproval', 'PaymentCompleted'],
    steps: [
      'recordPayment',
      'requestApproval',
      'notice:PaymentAwaitingApproval',
      'approvePayment',
      'startProcessing',
      'payOut',
      'completePayment',
    ],
  },
  rejected: {
    amountMinor: 2_500_000,
    decision: 'reject',
    end: 'REJECTED',
    notices: ['PaymentCreated', 'PaymentAwaitingApproval', 'PaymentRejected'],
    steps: ['recordPayment', 'requestApproval', 'rejectPayment', 'notice:PaymentRejected'],
  },
  refunded: {
    amountMinor: 12_000,
    refund: true,
    end: 'REFUNDED',
    notices: ['PaymentCreated', 'PaymentCompleted', 'PaymentRefunded'],
    steps: ['recordPayment', 'payOut', 'refundPayout', 'markRefunded', 'notice:PaymentRefunded'],
  },
};

type Mode = CrashFault['mode'];

interface Case {
  scenario: Scenario;
  step: string;
  mode: Mode;
  partnerId: string;
  /** Index of its fault in the plan (its fired marker). */
  fault: number;
  paymentId?: string;
  problems: string[];
  /** What the operator's client was answered, for a failure message. */
  answers: string[];
}

/** Regular (not local) activities: a stalled one is noticed by its heartbeat timeout, not the task's. */
const REGULAR_ACTIVITIES = ['payOut', 'refundPayout'];

const CASE_TIMEOUT_MS = 90_000;
const CONCURRENT_CASES = 6;
const NEVER_FIRED = 'the fault never fired';

const procState = (pid: number): string | undefined => {
  try {
    // /proc/<pid>/stat: "pid (comm) S …"; comm may hold spaces, the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const FIXTURES_DIR = join(__dirname, 'fixtures/histories');

/** The patch ids a history's markers carry (core writes them as plain JSON payloads). */
const patchesIn = (history: History): string[] =>
  (history.events ?? []).flatMap((e) =>
    Object.values(e.markerRecordedEventAttributes?.details ?? {}).flatMap((p) =>
      (p.payloads ?? []).map((x) => Buffer.from(x.data ?? []).toString('utf8')),
    ),
  );

describeWithPostgres('crash matrix: a worker lost right after any step commits', (databaseUrl) => {
  let sys: TestSystem;
  let dir: string;
  let planPath: string;
  const plan: CrashPlanFile = { faults: [] };
  const workers: (WorkerProcess | undefined)[] = [undefined, undefined, undefined];
  /** Every worker process started, the dead included: their output explains a failure. */
  const everyWorker: WorkerProcess[] = [];
  const exits: { pid: number; signal: string | null }[] = [];
  /** Freezes the supervisor ended, by fault index: what showed the server had given the work away. */
  const resumed = new Map<number, string>();
  const supervisorErrors: string[] = [];
  let supervising = false;
  let supervisor: Promise<void> | undefined;

  const startWorker = (slot: number): void => {
    const worker = spawnWorkerProcess({
      ...workerProcessEnv(sys, databaseUrl),
      ...ENV,
      NOTIFICATIONS_TASK_QUEUE: sys.config.notifications.taskQueue,
      WORKFLOW_BUNDLE_PATH: testEnvironment().workflowBundlePath,
      TEST_CRASH_PLAN: planPath,
    });
    workers[slot] = worker;
    everyWorker.push(worker);
    void worker.exited.then(({ signal }) => exits.push({ pid: worker.pid, signal }));
  };

  const fired = (c: Case): { pid: number; paymentId: string; step: string; mode: Mode } | undefined => {
    const path = firedMarkerPath(planPath, c.fault);
    return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
  };

  /** The frozen worker's task was given up by the server: a workflow task or activity timed out. */
  const timedOutSince = async (paymentId: string, step: string): Promise<string | undefined> => {
    const handle = sys.client.workflow.getHandle(paymentWorkflowId(paymentId));
    if (REGULAR_ACTIVITIES.includes(step)) {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      const retried = pending.find((a) => a.activityType?.name === step && (a.attempt ?? 1) >= 2);
      if (retried) return `${step} attempt ${retried.attempt}`;
      const history = await handle.fetchHistory();
      const started = history.events?.find((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) >= 2);
      return started
        ? `${step} completed on attempt ${started.activityTaskStartedEventAttributes?.attempt}`
        : undefined;
    }
    const history = await handle.fetchHistory();
    return history.events?.some((e) => e.workflowTaskTimedOutEventAttributes)
      ? 'workflow task timed out'
      : undefined;
  };

  /** Restarts dead workers; resumes a frozen one once the server has visibly given its work away. */
  const supervise = async (cases: Case[]): Promise<void> => {
    while (supervising) {
      for (const slot of workers.keys()) {
        const w = workers[slot];
        if (!w || w.hasExited()) {
          startWorker(slot);
          continue;
        }
        if (procState(w.pid) !== 'T') continue;
        // A worker freezes again after being resumed: the fault to end is the one not ended yet.
        const frozen = cases.find(
          (c) => c.mode === 'freeze' && !resumed.has(c.fault) && fired(c)?.pid === w.pid,
        );
        const marker = frozen && fired(frozen);
        if (!frozen || !marker) continue;
        try {
          const after = await timedOutSince(marker.paymentId, marker.step);
          if (!after) continue;
          resumed.set(frozen.fault, after);
          process.kill(w.pid, 'SIGCONT');
        } catch (e) {
          supervisorErrors.push(String(e));
        }
      }
      await sleep(200);
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'alpes-crash-matrix-'));
    planPath = join(dir, 'plan.json');
    writeFileSync(planPath, JSON.stringify(plan));
    // The API, the bank and the notifications worker run here; payments only in the two children.
    sys = await startTestSystem(
      { ...ENV, NOTIFICATIONS_TASK_QUEUE: `test-crash-${Math.random().toString(36).slice(2, 8)}` },
      ['bank', 'api', 'notifications'],
    );
  }, 60_000);

  afterAll(async () => {
    supervising = false;
    await supervisor;
    for (const w of workers) if (w && procState(w.pid) === 'T') process.kill(w.pid, 'SIGCONT');
    await Promise.all(workers.map((w) => w?.kill()));
    await sys?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const api = (method: string, path: string, body?: unknown, key: string = TEST_KEYS.admin) =>
    http(sys.apiUrl, method, path, body, bearer(key));

  const ledger = async (paymentId: string): Promise<{ kind: string }[]> => {
    const res = await http(sys.bankUrl!, 'GET', `/ledger?paymentId=${paymentId}`, undefined, {
      authorization: '',
    });
    return res.body.entries;
  };

  /**
   * A decision as an operator's client makes it: sent again while the API says to come back (503,
   * or the payment still being recorded), until it is taken (200) or refused because the payment no
   * longer waits for it (409: an earlier attempt took it). A 500 is a bug of its own.
   */
  const decide = async (c: Case, action: string, deadline: number): Promise<void> => {
    for (;;) {
      const res = await api(
        'POST',
        `/payments/${c.paymentId}/${action}`,
        { reason: 'crash matrix' },
        TEST_KEYS.bob,
      );
      c.answers.push(`${action} ${res.status}${res.status === 200 ? '' : ` ${res.body?.code ?? ''}`}`);
      if (res.status === 200) return;
      if (res.status === 500) c.problems.push(`${action} answered 500`);
      const comeBack = res.status === 503 || res.body?.code === 'PAYMENT.NOT_READY';
      if (!comeBack && res.status !== 500) {
        const settled = ['PAYMENT.NOT_AWAITING_APPROVAL', 'PAYMENT.NOT_REFUNDABLE'].includes(res.body?.code);
        if (!settled) c.problems.push(`${action} refused: ${res.status} ${res.body?.code}`);
        return;
      }
      if (Date.now() > deadline) {
        c.problems.push(`${action}: no answer but ${res.status} before the deadline`);
        return;
      }
      await sleep(500);
    }
  };

  /** Waits for a status; a closed workflow with the payment elsewhere is a stuck payment: reported at once. */
  const reach = async (c: Case, status: string, deadline: number): Promise<boolean> => {
    const handle = sys.client.workflow.getHandle(paymentWorkflowId(c.paymentId!));
    for (;;) {
      const res = await api('GET', `/payments/${c.paymentId}`);
      if (res.status === 200 && res.body.status === status) return true;
      const wf = await handle.describe().catch(() => undefined);
      if (wf && wf.status.name !== 'RUNNING') {
        c.problems.push(
          `stuck: read model ${res.body?.status}, workflow ${wf.status.name} (wanted ${status})`,
        );
        c.problems.push(await historyOutline(c.paymentId!));
        return false;
      }
      if (Date.now() > deadline) {
        c.problems.push(
          `never reached ${status}: read model ${res.body?.status}, workflow ${wf?.status.name}`,
        );
        c.problems.push(await historyOutline(c.paymentId!));
        return false;
      }
      await sleep(250);
    }
  };

  /** The workflow's history in one line (event types, activity names), for a stuck payment's report. */
  const historyOutline = async (paymentId: string): Promise<string> => {
    const history = await sys.client.workflow.getHandle(paymentWorkflowId(paymentId)).fetchHistory();
    // The whole history beside the report, to replay a stuck payment's run by hand.
    const saved = join(tmpdir(), `alpes-crash-matrix-stuck-${paymentId}.json`);
    writeFileSync(saved, JSON.stringify(history));
    return `history (${saved}): ${(history.events ?? [])
      .map((e) => {
        const kind = Object.keys(e).find((k) => k.endsWith('EventAttributes') && (e as any)[k]);
        const failed = e.workflowTaskFailedEventAttributes;
        const closed = e.workflowExecutionFailedEventAttributes?.failure;
        const why = failed
          ? `(${failed.cause}: ${failed.failure?.message?.slice(0, 300)})`
          : closed
            ? `(${closed.message?.slice(0, 300)}; cause ${closed.cause?.message?.slice(0, 300)}; ${closed.stackTrace?.slice(0, 600)})`
            : '';
        return `${(kind ?? '?').replace(/EventAttributes$/, '')}${why}`;
      })
      .join(' ')}`;
  };

  const drive = async (c: Case): Promise<void> => {
    const script = SCRIPTS[c.scenario];
    const deadline = Date.now() + CASE_TIMEOUT_MS;
    const created = await api('POST', '/payments', {
      partnerId: c.partnerId,
      currency: 'USD',
      lines: [
        {
          reference: `${c.scenario}-${c.step}-${c.mode}`,
          amountMinor: script.amountMinor,
          description: 'Crash matrix',
        },
      ],
    });
    if (created.status !== 202) {
      c.problems.push(`not created: ${created.status}`);
      return;
    }
    c.paymentId = created.body.id;
    if (script.decision) {
      if (!(await reach(c, 'AWAITING_APPROVAL', deadline))) return;
      await decide(c, script.decision, deadline);
    }
    if (script.refund) {
      if (!(await reach(c, 'COMPLETED', deadline))) return;
      await decide(c, 'refund', deadline);
    }
    await reach(c, script.end, deadline);
  };

  /** Once the payment is where it should be: money, notices, the workflow, and that the fault hit. */
  const verify = async (c: Case): Promise<void> => {
    const script = SCRIPTS[c.scenario];
    if (!c.paymentId || c.problems.length) return;
    const entries = await ledger(c.paymentId);
    const paid = entries.filter((e) => e.kind === 'PAYOUT').length;
    const refunded = entries.filter((e) => e.kind === 'REFUND').length;
    const wantPaid = script.end === 'REJECTED' ? 0 : 1;
    const wantRefunded = script.end === 'REFUNDED' ? 1 : 0;
    if (paid !== wantPaid || refunded !== wantRefunded) {
      c.problems.push(`bank: ${paid} payouts, ${refunded} refunds (want ${wantPaid}, ${wantRefunded})`);
    }
    const wf = await sys.client.workflow.getHandle(paymentWorkflowId(c.paymentId)).describe();
    if (!['RUNNING', 'COMPLETED'].includes(wf.status.name)) c.problems.push(`workflow ${wf.status.name}`);
    const marker = fired(c);
    if (!marker) c.problems.push(NEVER_FIRED);
    else if (marker.paymentId !== c.paymentId) c.problems.push(`the fault hit payment ${marker.paymentId}`);
    else if (c.mode === 'exit' && !exits.some((e) => e.pid === marker.pid && e.signal === 'SIGKILL'))
      c.problems.push(`worker ${marker.pid} did not die`);
    else if (c.mode === 'freeze' && !resumed.has(c.fault))
      c.problems.push('the frozen worker was never resumed after a timeout');
  };

  /** Partners' in-app notices, once every case is done and the counts have stopped moving. */
  const verifyNotices = async (cases: Case[]): Promise<void> => {
    const ids = cases.filter((c) => c.paymentId).map((c) => c.paymentId!);
    const expected = cases.reduce((n, c) => n + (c.paymentId ? SCRIPTS[c.scenario].notices.length : 0), 0);
    const read = async () =>
      (await sys
        .db('notifications')
        .whereIn('payment_id', ids)
        .andWhere({ channel: 'IN_APP' })
        .select('payment_id', 'source_event_id')) as { payment_id: string; source_event_id: string }[];
    let rows = await read();
    for (let last = -1, deadline = Date.now() + 60_000; Date.now() < deadline;) {
      if (rows.length >= expected && rows.length === last) break;
      last = rows.length;
      await sleep(1_000);
      rows = await read();
    }
    for (const c of cases) {
      if (!c.paymentId) continue;
      const got = rows
        .filter((r) => r.payment_id === c.paymentId)
        .map((r) => r.source_event_id.split(':')[1])
        .sort();
      const want = [...SCRIPTS[c.scenario].notices].sort();
      if (JSON.stringify(got) !== JSON.stringify(want))
        c.problems.push(`notices ${got.join(',')} (want ${want.join(',')})`);
    }
  };

  const newCase = async (scenario: Scenario, step: string, mode: Mode): Promise<Case> => {
    const { id: partnerId } = await createPartner(sys.apiUrl);
    plan.faults.push({ partnerId, step, mode });
    writeFileSync(planPath, JSON.stringify(plan));
    return { scenario, step, mode, partnerId, fault: plan.faults.length - 1, problems: [], answers: [] };
  };
  const settle = (c: Case) => (e: unknown) => void c.problems.push(String(e));
  /** Runs cases with at most `CONCURRENT_CASES` in flight (a pool, so a slow case holds up no others). */
  const runAll = async (cases: Case[]): Promise<void> => {
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < cases.length) {
        const c = cases[next++]!;
        await drive(c).catch(settle(c));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENT_CASES }, lane));
  };

  /** Every step of every script, in both columns: the matrix, with what went wrong per cell. */
  const cells: Case[] = [];

  beforeAll(async () => {
    const cases: Case[] = [];
    for (const mode of ['exit', 'freeze'] as const) {
      for (const [scenario, script] of Object.entries(SCRIPTS) as [Scenario, Script][]) {
        for (const step of script.steps) cases.push(await newCase(scenario, step, mode));
      }
    }
    // Interleaved, so kills and freezes overlap as they would in a bad hour.
    cases.sort((a, b) => a.step.localeCompare(b.step) || a.mode.localeCompare(b.mode));
    /** Every case run, those run again included: the supervisor and the notice check see them all. */
    const tracked = [...cases];
    supervising = true;
    supervisor = supervise(tracked);
    try {
      // A few at a time: faults that pile up (every worker dead at once, again and again) test
      // how long recovery takes, not whether it is right.
      await runAll(cases);
      await Promise.all(cases.map((c) => verify(c).catch(settle(c))));
      // Another case's fault can pre-empt one (its worker killed between the step's commit and its
      // crash point): the payment was still checked, and the case runs again alone.
      for (const [i, c] of cases.entries()) {
        if (fired(c) || !c.paymentId) continue;
        c.problems = c.problems.filter((p) => p !== NEVER_FIRED);
        const again = await newCase(c.scenario, c.step, c.mode);
        tracked.push(again);
        await drive(again).catch(settle(again));
        await verify(again).catch(settle(again));
        cases[i] = again;
      }
      await verifyNotices(tracked);
      // The resumed path is a determinism baseline of its own, recorded from a case run alone: a
      // rejected payment whose requestApproval committed before its task was lost.
      for (const mode of ['exit', 'freeze'] as const) {
        const alone = await newCase('rejected', 'requestApproval', mode);
        tracked.push(alone);
        await drive(alone).catch(settle(alone));
        await verify(alone).catch(settle(alone));
        fixtures.set(mode, alone);
      }
    } finally {
      supervising = false;
      await supervisor;
    }
    cells.push(...tracked);
  }, 420_000);

  const fixtures = new Map<Mode, Case>();

  const report = (mode: Mode): { failed: string[]; supervisorErrors: string[]; output: string } => {
    const failed = cells
      .filter((c) => c.mode === mode && c.problems.length)
      .map(
        (c) =>
          `${c.mode} after ${c.step} (${c.scenario}, payment ${c.paymentId}): ${c.problems.join('; ')}; answers: ${c.answers.join(', ')}`,
      );
    const output = failed.length
      ? everyWorker.map((w) => `--- worker pid ${w.pid} ---\n${w.output().slice(-2_000)}`).join('\n')
      : '';
    return { failed, supervisorErrors, output };
  };

  for (const [mode, what] of [
    ['exit', 'the worker is killed'],
    ['freeze', 'the worker stalls until its task times out'],
  ] as const) {
    it(`column ${mode}: ${what} right after each step; every payment ends as scripted, paid once, told once`, () => {
      const steps = new Set(cells.filter((c) => c.mode === mode).map((c) => `${c.scenario}:${c.step}`));
      expect(steps.size).toBe(21);
      expect(report(mode)).toEqual({ failed: [], supervisorErrors: [], output: '' });
    });

    it(`column ${mode}: a resumed run replays from its recorded fixture`, async () => {
      const alone = fixtures.get(mode)!;
      const handle = sys.client.workflow.getHandle(paymentWorkflowId(alone.paymentId!));
      await handle.result();
      const history = await handle.fetchHistory();
      // Resumed on the path every new run takes (decided in its first task), after a lost task.
      expect(patchesIn(history).join(' ')).toContain(PATCHES_AT_START);
      expect(history.events?.some((e) => e.workflowTaskTimedOutEventAttributes)).toBe(true);
      ensureFixture(join(FIXTURES_DIR, paymentFixtureName(`resumed-after-lost-task-${mode}`)), () => history);
    });
  }
});
