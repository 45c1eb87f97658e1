import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporalConnectionOptions } from '../src/infra/temporal/connection-options';
import { encryptedDataConverter } from '../src/infra/temporal/encryption-codec';
import { paymentWorkflowId } from '../src/workflows/workflow-ids';
import {
  defaultClusterOptions,
  startCluster,
  type Cluster,
  type ClusterPorts,
} from '../scripts/cluster/cluster';
import { DEFAULT_SERVER_PORTS, dropDatabases, postgresTarget } from '../scripts/cluster/temporal-server';
import { foreignClientCertificate } from '../scripts/cluster/tls';
import { freePort } from './support/free-port';
import { StreamTestClient, until } from './support/stream-test-client';
import { bearer, eventually, http } from './support/system';
import { describeWithPostgres } from './support/test-env';

/**
 * The production topology for real (`make cluster`): the Temporal server itself (not the dev
 * server) on PostgreSQL with mTLS on the frontend, and every process of ours on its own — two
 * payments workers, the notifications worker, two APIs, two UI servers, the sandbox bank and the
 * Web UI server — on free ports, in databases of this run. Then: payments through both APIs,
 * both streams, visibility queries, a worker and the server killed with SIGKILL, clients refused.
 */

/** The same in the APIs (they put them into the workflow input) and the workers. */
const TIMEOUTS = {
  ACTIVITY_START_TO_CLOSE_TIMEOUT: '5s',
  ACTIVITY_RETRY_INITIAL_INTERVAL: '100ms',
  ACTIVITY_RETRY_MAX_INTERVAL: '500ms',
  // Completed payments close soon instead of staying open for refunds.
  REFUND_WINDOW: '2s',
};
const SCHEDULE_ID = 'alpes-settlements-cluster-test';
const JANITOR_SCHEDULE_ID = 'alpes-payout-janitor-cluster-test';
/** PENDING_ACTIVITY_STATE_STARTED (wire enum). */
const STARTED = 2;

interface LedgerEntry {
  id: string;
  kind: string;
  paymentId: string;
  amountMinor: number;
}

/** A free port under 32768 (the OS hands out ephemeral ports above it). */
async function freeLowPort(): Promise<number> {
  const { createServer } = await import('node:net');
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((res) => {
      const srv = createServer();
      srv.once('error', () => res(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
    });
    if (free) return port;
  }
}

/** Figures for docs/deployment.md: printed at the end of the run. */
const figures: Record<string, unknown> = {};

describeWithPostgres(
  'the cluster: the real Temporal server on PostgreSQL, mTLS, split processes',
  (databaseUrl) => {
    let cluster: Cluster;
    let client: Client;
    let connection: Connection;
    let dataDir: string;
    let admin: string;
    const prefix = `alpes_ct_${Date.now().toString(36)}`;
    const pgAdminUrl = (() => {
      const u = new URL(databaseUrl);
      u.pathname = '/postgres';
      return u.toString();
    })();
    const lines: string[] = [];

    const api = (i: 0 | 1) => cluster.apiUrls[i];
    const ledger = async (paymentId: string): Promise<LedgerEntry[]> => {
      const res = await http(cluster.bankUrl, 'GET', `/ledger?paymentId=${encodeURIComponent(paymentId)}`);
      if (res.status !== 200) throw new Error(`ledger answered ${res.status}`);
      return res.body.entries;
    };
    const createPartner = async (name: string): Promise<string> => {
      const res = await http(
        api(0),
        'POST',
        '/partners',
        {
          name,
          email: `${name.replace(/\W/g, '').toLowerCase()}@example.com`,
          payoutAccount: 'DE89 3704 0044 0532 0130 00',
        },
        bearer(admin),
      );
      if (res.status !== 201) throw new Error(`partner: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.id;
    };
    const pay = async (
      via: 0 | 1,
      partnerId: string,
      reference: string,
      amountMinor = 1_000 + reference.length,
    ) => {
      const res = await http(
        api(via),
        'POST',
        '/payments',
        { partnerId, currency: 'EUR', lines: [{ reference, amountMinor, description: 'Commission' }] },
        bearer(admin),
      );
      if (res.status !== 202)
        throw new Error(`payment via api-${via + 1}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.id as string;
    };
    const statuses = async (ids: string[]): Promise<string[]> =>
      Promise.all(
        ids.map(async (id, i) => {
          const res = await http(api((i % 2) as 0 | 1), 'GET', `/payments/${id}`, undefined, bearer(admin));
          return res.status === 200 ? (res.body.status as string) : `HTTP ${res.status}`;
        }),
      );
    /** The tail of every process's output, when a step fails. */
    const withLogs = async <T>(what: string, step: () => Promise<T>): Promise<T> => {
      try {
        return await step();
      } catch (e) {
        throw new Error(
          `${what}: ${(e as Error).message}\n--- cluster output (tail) ---\n${lines.slice(-120).join('\n')}`,
        );
      }
    };
    const expectExactlyOnePayoutEach = async (ids: string[]): Promise<void> => {
      for (const id of ids) {
        const entries = await ledger(id);
        expect({ id, kinds: entries.map((e) => e.kind) }).toEqual({ id, kinds: ['PAYOUT'] });
      }
    };

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'alpes-cluster-'));
      // Below 32768: the server stores its membership ports in a smallint column (cluster_membership).
      const ports = {} as ClusterPorts;
      for (const key of Object.keys(DEFAULT_SERVER_PORTS) as Array<keyof typeof DEFAULT_SERVER_PORTS>)
        ports[key] = await freeLowPort();
      Object.assign(ports, {
        webUi: await freePort(),
        apis: [await freePort(), await freePort()],
        uis: [await freePort(), await freePort()],
        bank: await freePort(),
        metrics: [0, 0, 0],
      });
      const started = Date.now();
      cluster = await startCluster(
        defaultClusterOptions({
          dataDir,
          pgAdminUrl,
          databasePrefix: prefix,
          ports,
          logLevel: 'warn',
          logPretty: false,
          temporalLogLevel: 'warn',
          extraEnv: {
            ...TIMEOUTS,
            SETTLEMENT_SCHEDULE: '0 6 1 * *',
            SETTLEMENT_SCHEDULE_ID: SCHEDULE_ID,
            JANITOR_SCHEDULE: '10m',
            JANITOR_SCHEDULE_ID: JANITOR_SCHEDULE_ID,
            RATE_LIMIT_PER_MINUTE: '100000',
            AUTH_FAILURES_PER_MINUTE: '100000',
          },
          onLine: (name, line) => {
            lines.push(`[${name}] ${line.slice(0, 400)}`);
            if (lines.length > 2_000) lines.splice(0, 1_000);
          },
          log: (line) => lines.push(`[cluster] ${line}`),
        }),
      );
      figures.clusterStartSeconds = (Date.now() - started) / 1000;
      admin = cluster.secrets.apiKeys.admin;
      connection = await Connection.connect(temporalConnectionOptions(cluster.temporal));
      client = new Client({
        connection,
        namespace: cluster.temporal.namespace,
        // The cluster's own payload keys (generated into its data folder), to read memos and results.
        dataConverter: encryptedDataConverter(JSON.parse(cluster.secrets.env.CODEC_KEYS!)),
      });
    }, 240_000);

    afterAll(async () => {
      await connection?.close();
      await cluster?.stop();
      await dropDatabases(postgresTarget(pgAdminUrl), [
        `${prefix}_temporal`,
        `${prefix}_temporal_visibility`,
        `${prefix}_cluster`,
        `${prefix}_cluster_bank`,
      ]).catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
      process.stdout.write(`\n[cluster] figures: ${JSON.stringify(figures)}\n`);
    }, 60_000);

    it('runs every process, each on its own', () => {
      expect(cluster.names().sort()).toEqual(
        [
          'api-1',
          'api-2',
          'bank',
          'notifications',
          'temporal',
          'temporal-ui',
          'ui-1',
          'ui-2',
          'worker-1',
          'worker-2',
        ].sort(),
      );
      expect(new Set(cluster.names().map((n) => cluster.process(n).pid)).size).toBe(10);
      for (const n of cluster.names())
        expect({ n, running: cluster.process(n).running() }).toEqual({ n, running: true });
    });

    it('completes payments made through both APIs; both UI servers stream the same events in the same order; visibility finds them', async () => {
      const partnerId = await createPartner('Cluster Partner');
      const streams = await Promise.all(
        [0, 1].map(async (i) => {
          const token = await http(api(i as 0 | 1), 'POST', '/auth/ws-token', undefined, bearer(admin));
          expect(token.status).toBe(200);
          const stream = await StreamTestClient.open(
            cluster.uiUrls[i]!.replace(/^http/, 'ws'),
            token.body.token,
          );
          stream.send({ type: 'subscribe', since: 0, filter: { partnerId } });
          return stream;
        }),
      );
      const started = Date.now();
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push(await pay((i % 2) as 0 | 1, partnerId, `both-apis-${i}`));
      await withLogs('payments never all COMPLETED', () =>
        eventually(
          () => statuses(ids),
          (s) => s.every((x) => x === 'COMPLETED'),
          { timeoutMs: 60_000, intervalMs: 250 },
        ),
      );
      figures.sixPaymentsSeconds = (Date.now() - started) / 1000;
      await expectExactlyOnePayoutEach(ids);

      // Both streams: every payment's PaymentCompleted arrives, then the two sequences are compared.
      const completedOn = (s: StreamTestClient) =>
        new Set(
          s
            .events()
            .filter((e) => e.event.type === 'PaymentCompleted')
            .map((e) => e.event.aggregate.id),
        );
      for (const [i, s] of streams.entries())
        await until(
          () => ids.every((id) => completedOn(s).has(id)),
          `ui-${i + 1} streaming every PaymentCompleted`,
        );
      // Let notifications' in-app events (later positions) settle, then compare up to a common position.
      const last = Math.min(...streams.map((s) => s.events().at(-1)!.position));
      const seq = (s: StreamTestClient) =>
        s
          .events()
          .filter((e) => e.position <= last)
          .map((e) => `${e.position}:${e.event.type}:${e.event.id}`);
      // Every payment's own transitions, in order (a small payment needs no approval); the
      // notifications' in-app events interleave with them.
      for (const id of ids) {
        const types = streams[0]!
          .events()
          .filter((e) => e.position <= last && e.event.aggregate.id === id)
          .map((e) => e.event.type);
        expect({ id, types }).toEqual({
          id,
          types: ['PaymentCreated', 'PaymentProcessing', 'PaymentCompleted'],
        });
      }
      expect(seq(streams[1]!)).toEqual(seq(streams[0]!));
      for (const s of streams) {
        const positions = s.events().map((e) => e.position);
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
        expect(new Set(positions).size).toBe(positions.length);
        await s.close();
      }

      // Visibility on PostgreSQL: the search attributes the workflow sets.
      const query = `WorkflowType="paymentWorkflow" AND PartnerId="${partnerId}" AND PaymentStatus="COMPLETED"`;
      const found = await eventually(
        async () => {
          const out: string[] = [];
          for await (const wf of client.workflow.list({ query })) out.push(wf.workflowId);
          return out.sort();
        },
        (out) => out.length === ids.length,
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      expect(found).toEqual(ids.map((id) => paymentWorkflowId(id)).sort());
      const counted = await client.workflow.count(
        `PartnerId="${partnerId}" AND AmountMinor >= 1000 AND Currency="EUR"`,
      );
      expect(counted.count).toBeGreaterThanOrEqual(ids.length);

      // The Web UI server reaches the frontend over mTLS too, and hands the browser our codec endpoint.
      const web = await eventually(
        async () => {
          const res = await fetch(
            `${cluster.webUiUrl}/api/v1/namespaces/${cluster.temporal.namespace}/workflows?query=${encodeURIComponent(query)}`,
          );
          return { status: res.status, body: (await res.json()) as { executions?: unknown[] } };
        },
        (r) => r.status === 200 && (r.body.executions?.length ?? 0) === ids.length,
        { timeoutMs: 20_000, intervalMs: 500 },
      );
      expect(web.body.executions).toHaveLength(ids.length);
      const settings = (await (await fetch(`${cluster.webUiUrl}/api/v1/settings`)).json()) as {
        Codec?: { Endpoint?: string };
      };
      expect(settings.Codec?.Endpoint).toBe(`${api(0)}/codec/ui/${cluster.secrets.env.CODEC_UI_TOKEN}`);
    }, 120_000);

    it('loses nothing and pays nothing twice when a payments worker is killed with SIGKILL mid-run', async () => {
      const partnerId = await createPartner('Worker Kill');
      const victim = cluster.process('worker-1');
      await http(cluster.bankUrl, 'PUT', '/admin/faults', { latencyMs: 2_000 });
      try {
        const ids: string[] = [];
        for (let i = 0; i < 8; i++) ids.push(await pay((i % 2) as 0 | 1, partnerId, `worker-kill-${i}`));
        // Wait until the victim holds a payout inside the bank's latency.
        const held = await withLogs('worker-1 never took a payout', () =>
          eventually(
            async () => {
              const owners = await Promise.all(
                ids.map(async (id) => {
                  const d = await client.workflow.getHandle(paymentWorkflowId(id)).describe();
                  const a = d.raw.pendingActivities?.find((p) => p.activityType?.name === 'payOut');
                  return a?.state === STARTED && a.lastWorkerIdentity?.startsWith(`${victim.pid}@`)
                    ? id
                    : undefined;
                }),
              );
              return owners.filter(Boolean);
            },
            (o) => o.length > 0,
            { timeoutMs: 30_000, intervalMs: 200 },
          ),
        );
        expect(await ledger(held[0]!)).toEqual([]);
        const killedAt = Date.now();
        await cluster.kill9('worker-1');
        expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' });

        await withLogs('payments never all COMPLETED after the kill', () =>
          eventually(
            () => statuses(ids),
            (s) => s.every((x) => x === 'COMPLETED'),
            {
              timeoutMs: 90_000,
              intervalMs: 250,
            },
          ),
        );
        figures.workerKill = {
          payments: ids.length,
          heldByVictim: held.length,
          recoverySeconds: (Date.now() - killedAt) / 1000,
        };
        await expectExactlyOnePayoutEach(ids);
      } finally {
        await http(cluster.bankUrl, 'PUT', '/admin/faults', { latencyMs: 0 });
        await cluster.restart('worker-1');
      }
    }, 150_000);

    it('loses nothing and pays nothing twice when the Temporal server is killed with SIGKILL and restarted', async () => {
      const partnerId = await createPartner('Server Kill');
      await http(cluster.bankUrl, 'PUT', '/admin/faults', { latencyMs: 1_500 });
      try {
        const ids: string[] = [];
        for (let i = 0; i < 8; i++) ids.push(await pay((i % 2) as 0 | 1, partnerId, `server-kill-${i}`));
        await withLogs('no payment reached PROCESSING', () =>
          eventually(
            () => statuses(ids),
            (s) => s.some((x) => x === 'PROCESSING'),
            { timeoutMs: 30_000, intervalMs: 100 },
          ),
        );
        const before = await statuses(ids);
        const server = cluster.process('temporal');
        const killedAt = Date.now();
        await cluster.restartTemporal({ kill: true });
        expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });
        const servingAfter = (Date.now() - killedAt) / 1000;

        await withLogs('payments never all COMPLETED after the server restart', () =>
          eventually(
            () => statuses(ids),
            (s) => s.every((x) => x === 'COMPLETED'),
            {
              timeoutMs: 120_000,
              intervalMs: 500,
            },
          ),
        );
        figures.serverKill = {
          payments: ids.length,
          statusesAtKill: before.reduce<Record<string, number>>(
            (m, s) => ({ ...m, [s]: (m[s] ?? 0) + 1 }),
            {},
          ),
          servingAgainSeconds: servingAfter,
          allCompletedSeconds: (Date.now() - killedAt) / 1000,
        };
        await expectExactlyOnePayoutEach(ids);
        // The APIs are ready again (their connection to the frontend recovered).
        for (const i of [0, 1] as const)
          await eventually(
            () => http(api(i), 'GET', '/readyz', undefined, { authorization: '' }),
            (r) => r.status === 200,
            { timeoutMs: 30_000 },
          );
      } finally {
        await http(cluster.bankUrl, 'PUT', '/admin/faults', { latencyMs: 0 });
      }
    }, 200_000);

    describe('the frontend requires a client certificate from our CA', () => {
      let foreign: { ca: string; cert: string; key: string };
      let dir: string;
      beforeAll(() => {
        dir = mkdtempSync(join(tmpdir(), 'alpes-foreign-'));
        foreign = foreignClientCertificate(dir);
      });
      afterAll(() => rmSync(dir, { recursive: true, force: true }));

      const ca = () => readFileSync(cluster.tls.client.ca);
      /** Connects and makes one call: what a worker or client does first. */
      const attempt = async (options: Parameters<typeof Connection.connect>[0]): Promise<string> => {
        let c: Connection | undefined;
        try {
          c = await Connection.connect({ ...options, connectTimeout: 3_000 });
          await c.workflowService.getSystemInfo({});
          return 'accepted';
        } catch (e) {
          return `refused: ${(e as Error).message}`;
        } finally {
          await c?.close().catch(() => undefined);
        }
      };

      it('accepts our client certificate (the control)', async () => {
        expect(await attempt(temporalConnectionOptions(cluster.temporal))).toBe('accepted');
      });

      it('refuses a TLS client without a certificate', async () => {
        const res = await attempt({
          address: cluster.temporal.address,
          tls: { serverRootCACertificate: ca(), serverNameOverride: 'localhost' },
        });
        expect(res).toMatch(/^refused/);
      });

      it('refuses a client whose certificate another CA signed', async () => {
        const res = await attempt({
          address: cluster.temporal.address,
          tls: {
            serverRootCACertificate: ca(),
            serverNameOverride: 'localhost',
            clientCertPair: { crt: readFileSync(foreign.cert), key: readFileSync(foreign.key) },
          },
        });
        expect(res).toMatch(/^refused/);
      });

      it('refuses a plaintext client', async () => {
        expect(await attempt({ address: cluster.temporal.address })).toMatch(/^refused/);
      });

      it('refuses the CLI without our certificate (the same frontend as the Web UI and the operators use)', () => {
        const run = (env: Record<string, string>) =>
          spawnSync(cluster.cli, ['workflow', 'count'], {
            env: { HOME: dataDir, ...env },
            encoding: 'utf8',
            timeout: 20_000,
          });
        const ok = run(cluster.cliEnv);
        expect(ok.status).toBe(0);
        const { TEMPORAL_TLS_CERT: _c, TEMPORAL_TLS_KEY: _k, ...withoutCert } = cluster.cliEnv;
        expect(run(withoutCert).status).not.toBe(0);
        expect(
          run({ ...cluster.cliEnv, TEMPORAL_TLS_CERT: foreign.cert, TEMPORAL_TLS_KEY: foreign.key }).status,
        ).not.toBe(0);
      });
    });

    it('has the settlement Schedule (SETTLEMENT_SCHEDULE, SETTLEMENT_SCHEDULE_ID) on this server, created by the workers', async () => {
      const d = await client.schedule.getHandle(SCHEDULE_ID).describe();
      expect(d.spec.calendars?.length).toBe(1);
      expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'scheduledSettlementWorkflow' });
      expect(d.state.paused).toBe(false);
      expect(d.info.nextActionTimes[0]!.getUTCDate()).toBe(1);
      expect(d.info.nextActionTimes[0]!.getUTCHours()).toBe(6);
    });

    it('has the payout janitor Schedule (JANITOR_SCHEDULE, JANITOR_SCHEDULE_ID) on this server, created by the workers', async () => {
      const d = await client.schedule.getHandle(JANITOR_SCHEDULE_ID).describe();
      expect(d.spec.intervals?.map((i) => Number(i.every))).toEqual([10 * 60_000]);
      expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'payoutJanitorWorkflow' });
      expect(d.state.paused).toBe(false);
    });
  },
);
