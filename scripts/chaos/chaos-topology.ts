/**
 * The split topology the chaos harness breaks, every part a process of its own: the Temporal dev
 * server (state on disk, so it can be killed and restarted on it), two payments workers, the
 * notifications worker, the API, the live UI server and the sandbox bank; Toxiproxy in front of
 * PostgreSQL and of the bank (every process of ours reaches them only through it); a webhook
 * receiver and an SMTP server that can be told to misbehave. Scratch databases, dropped at the end.
 */
import { Connection } from '@temporalio/client';
import { mkdirSync, createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { openMigratedDatabase } from '../../src/infra/db/database';
import { devServerArgs } from '../../src/infra/temporal/dev-server';
import type { Component } from '../../src/processes/wiring/system';
import {
  startSmtpReceiver,
  WebhookReceiver,
  type ReceivedEmail,
} from '../../test/support/notification-receivers';
import { bundleWorkflows, WORKFLOW_BUNDLES } from '../bundle-workflows';
import { httpOk, spawnManaged, waitFor, type ManagedProcess } from '../cluster/processes';
import { ensureClusterSecrets, secretsFor, type ClusterSecrets } from '../cluster/secrets';
import {
  databaseUrl,
  dropDatabases,
  ensureDatabase,
  ensureTemporalCli,
  inheritedEnv,
  postgresTarget,
} from '../cluster/temporal-server';
import { ensureToxiproxy, startToxiproxy, type Toxiproxy } from './toxiproxy';

const ROOT = resolve(__dirname, '../..');

export interface TopologyOptions {
  runDir: string;
  pgAdminUrl: string;
  databasePrefix: string;
  temporalCli?: string;
  /** Settings every process of ours gets (timeouts shortened for the harness). */
  extraEnv: Record<string, string>;
  /** Every line every child prints. */
  onLine: (name: string, line: string) => void;
  log: (line: string) => void;
}

export interface Topology {
  secrets: ClusterSecrets;
  apiUrl: string;
  bankUrl: string;
  temporalAddress: string;
  appDatabaseUrl: string;
  bankDatabaseUrl: string;
  /** What our processes use: the app database and the bank through Toxiproxy. */
  proxied: { databaseUrl: string; pgPort: number; bankUrl: string; bankPort: number };
  toxiproxy: Toxiproxy;
  webhooks: WebhookReceiver;
  emails: ReceivedEmail[];
  /** Decides, per message, whether the SMTP server cuts the connection after DATA; counts the cuts. */
  smtpDrop: { share: number; rng: () => number; dropped: number };
  /** One Temporal connection of the harness's own, reopened after the server was restarted. */
  temporal(): Promise<Connection>;
  /** Hears every line every child prints from now on, until the returned function is called. */
  tap(listener: (name: string, line: string) => void): () => void;
  /** The pid of the named process now running, if it is. */
  pid(name: string): number | undefined;
  kill9(name: string): Promise<void>;
  /**
   * Stops and starts the named process again; `env` adds settings for this start only (a scenario
   * that needs another setting, e.g. a short PAYOUT_TIMEOUT); a restart without returns to the base.
   */
  restart(name: string, env?: Record<string, string>): Promise<void>;
  /** SIGKILL the dev server, then start it again on the same state file and port. */
  killTemporal(): Promise<void>;
  restartTemporal(): Promise<void>;
  /** Every pid this topology ever started (for the "nothing left behind" check). */
  pids(): number[];
  stop(): Promise<void>;
}

/** The process's start time in clock ticks since boot (/proc/<pid>/stat field 22), or null if gone. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command (field 2) may hold spaces and parentheses: count fields after its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const { port } = server.address() as { port: number };
  await new Promise<void>((res) => server.close(() => res()));
  return port;
}

interface Spec {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  ready: (p: ManagedProcess) => Promise<boolean>;
}

export async function startTopology(o: TopologyOptions): Promise<Topology> {
  mkdirSync(join(o.runDir, 'logs'), { recursive: true, mode: 0o700 });
  const cli = ensureTemporalCli(o.temporalCli);
  const toxiproxyBinary = ensureToxiproxy();
  const secrets = ensureClusterSecrets(o.runDir, o.log);
  const target = postgresTarget(o.pgAdminUrl);
  const names = { app: `${o.databasePrefix}_app`, bank: `${o.databasePrefix}_bank` };
  await dropDatabases(target, Object.values(names));
  await ensureDatabase(target, names.app);
  await ensureDatabase(target, names.bank);
  const appDatabaseUrl = databaseUrl(target, names.app);
  const bankDatabaseUrl = databaseUrl(target, names.bank);
  // Migrated once here, directly, before the processes race to it through the proxy.
  await (await openMigratedDatabase({ kind: 'postgres', url: appDatabaseUrl })).destroy();

  const bundleDir = join(o.runDir, 'bundles');
  await bundleWorkflows(bundleDir);

  const ports = {
    toxiproxy: await freePort(),
    pgProxy: await freePort(),
    bank: await freePort(),
    bankProxy: await freePort(),
    temporal: await freePort(),
    api: await freePort(),
    ui: await freePort(),
  };
  const logs = new Map<string, WriteStream>();
  const taps = new Set<(name: string, line: string) => void>();
  const onLine = (name: string, line: string): void => {
    let log = logs.get(name);
    if (!log)
      logs.set(name, (log = createWriteStream(join(o.runDir, 'logs', `${name}.log`), { flags: 'a' })));
    log.write(`${line}\n`);
    o.onLine(name, line);
    for (const tap of taps) tap(name, line);
  };
  const processes = new Map<string, ManagedProcess>();
  const specs = new Map<string, Spec>();
  // Every process this topology started, with its start time: a pid alone is not an identity (a
  // worker killed an hour ago may have its pid reused by anything else on the machine).
  const everyPid: Array<{ pid: number; start: string | null }> = [];
  const remember = (pid: number) => everyPid.push({ pid, start: processStart(pid) });
  const stops: Array<() => Promise<unknown>> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.splice(0)) await stop().catch(() => undefined);
    for (const p of [...processes.values()].reverse()) await p.stop(10_000);
    processes.clear();
    for (const log of logs.values()) log.end();
  };

  const launch = (spec: Spec, env: Record<string, string> = {}): ManagedProcess => {
    const p = spawnManaged({ ...spec, env: { ...spec.env, ...env }, cwd: ROOT, onLine });
    remember(p.pid);
    specs.set(spec.name, spec);
    processes.set(spec.name, p);
    return p;
  };
  const ready = (spec: Spec, p: ManagedProcess): Promise<void> =>
    waitFor(`${spec.name} ready`, () => spec.ready(p), { process: p, timeoutMs: 90_000, intervalMs: 500 });

  try {
    const toxiproxy = await startToxiproxy({ binary: toxiproxyBinary, apiPort: ports.toxiproxy, onLine });
    remember(toxiproxy.process.pid);
    processes.set('toxiproxy', toxiproxy.process);
    await toxiproxy.createProxy('postgres', ports.pgProxy, `${target.host}:${target.port}`);
    await toxiproxy.createProxy('bank', ports.bankProxy, `127.0.0.1:${ports.bank}`);
    const proxiedDatabaseUrl = databaseUrl({ ...target, host: '127.0.0.1', port: ports.pgProxy }, names.app);

    const webhooks = await WebhookReceiver.start();
    stops.push(() => webhooks.down());
    const smtpDrop = { share: 0, rng: Math.random, dropped: 0 };
    const smtp = await startSmtpReceiver({
      dropAfterData: () => {
        const drop = smtpDrop.share > 0 && smtpDrop.rng() < smtpDrop.share;
        if (drop) smtpDrop.dropped++;
        return drop;
      },
    });
    stops.push(() => smtp.stop());

    const temporalAddress = `127.0.0.1:${ports.temporal}`;
    let connection: Connection | undefined;
    const temporal = async (): Promise<Connection> => {
      if (connection) return connection;
      connection = await Connection.connect({ address: temporalAddress });
      return connection;
    };
    stops.push(async () => connection?.close());
    const temporalSpec: Spec = {
      name: 'temporal',
      command: cli,
      args: devServerArgs({
        cliPath: cli,
        port: ports.temporal,
        uiPort: 0,
        headless: true,
        dbFile: join(o.runDir, 'temporal.sqlite'),
      }),
      env: inheritedEnv(),
      ready: async () => {
        await (await temporal()).workflowService.getSystemInfo({});
        return true;
      },
    };
    const temporalProcess = launch(temporalSpec);
    await ready(temporalSpec, temporalProcess);

    const bankUrl = `http://127.0.0.1:${ports.bank}`;
    const bankSpec: Spec = {
      name: 'bank',
      command: process.execPath,
      args: ['--import', 'tsx', 'src/sandbox-bank/sandbox-bank.main.ts'],
      env: {
        ...inheritedEnv(),
        NODE_ENV: 'development',
        LOG_LEVEL: 'warn',
        LOG_PRETTY: 'false',
        DATA_DIR: join(o.runDir, 'run', 'bank'),
        // The bank is another company's system: its own database, not behind our proxy.
        DATABASE_URL: bankDatabaseUrl,
        SANDBOX_BANK_PORT: String(ports.bank),
      },
      ready: () => httpOk(`${bankUrl}/healthz`),
    };
    const bankProcess = launch(bankSpec);

    const polls = async (queue: string, pid: number): Promise<boolean> => {
      const res = await (
        await temporal()
      ).workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: queue },
        taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
      });
      return (res.pollers ?? []).some((p) => p.identity?.startsWith(`${pid}@`));
    };
    const apiUrl = `http://127.0.0.1:${ports.api}`;
    const ours = (
      name: string,
      component: Component,
      env: Record<string, string>,
      ready: Spec['ready'],
    ): Spec => ({
      name,
      command: process.execPath,
      args: [
        '--import',
        'tsx',
        `src/processes/${component === 'notifications' ? 'notifications-worker' : component}.ts`,
      ],
      env: {
        ...inheritedEnv(),
        NODE_ENV: 'development',
        LOG_LEVEL: 'warn',
        LOG_PRETTY: 'false',
        DATA_DIR: join(o.runDir, 'run', name),
        DATABASE_URL: proxiedDatabaseUrl,
        TEMPORAL_ADDRESS: temporalAddress,
        TEMPORAL_METRICS_PORT: '0',
        WORKFLOW_BUNDLE_PATH: join(bundleDir, WORKFLOW_BUNDLES[0]!.file),
        NOTIFICATIONS_WORKFLOW_BUNDLE_PATH: join(bundleDir, WORKFLOW_BUNDLES[1]!.file),
        ...secretsFor(secrets, component),
        ...o.extraEnv,
        ...env,
      },
      ready,
    });
    const workerSpecs = [1, 2].map((i) =>
      ours(`worker-${i}`, 'worker', { SANDBOX_BANK_URL: `http://127.0.0.1:${ports.bankProxy}` }, (p) =>
        polls('payments', p.pid),
      ),
    );
    const notificationsSpec = ours(
      'notifications',
      'notifications',
      {
        SMTP_URL: smtp.url,
        WEBHOOK_ALLOW_HTTP: 'true',
        WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      },
      (p) => polls('notifications', p.pid),
    );
    const apiSpec = ours(
      'api',
      'api',
      { API_PORT: String(ports.api), API_PUBLIC_URL: apiUrl, SANDBOX_BANK_URL: bankUrl },
      () => httpOk(`${apiUrl}/readyz`),
    );
    const uiSpec = ours('ui', 'ui', { UI_PORT: String(ports.ui), API_PUBLIC_URL: apiUrl }, () =>
      httpOk(`http://127.0.0.1:${ports.ui}/healthz`),
    );
    await ready(bankSpec, bankProcess);
    const started = [...workerSpecs, notificationsSpec, apiSpec, uiSpec].map((s) => [s, launch(s)] as const);
    await Promise.all(started.map(([s, p]) => ready(s, p)));

    return {
      secrets,
      apiUrl,
      bankUrl,
      temporalAddress,
      appDatabaseUrl,
      bankDatabaseUrl,
      proxied: {
        databaseUrl: proxiedDatabaseUrl,
        pgPort: ports.pgProxy,
        bankUrl: `http://127.0.0.1:${ports.bankProxy}`,
        bankPort: ports.bankProxy,
      },
      toxiproxy,
      webhooks,
      emails: smtp.messages,
      smtpDrop,
      temporal,
      tap: (listener) => {
        taps.add(listener);
        return () => void taps.delete(listener);
      },
      pid: (name) => {
        const p = processes.get(name);
        return p?.running() ? p.pid : undefined;
      },
      kill9: async (name) => {
        await processes.get(name)?.kill9();
      },
      restart: async (name, env) => {
        const spec = specs.get(name);
        if (!spec) throw new Error(`no process ${name}`);
        await processes.get(name)?.stop();
        await ready(spec, launch(spec, env));
      },
      killTemporal: async () => {
        await processes.get('temporal')?.kill9();
        const old = connection;
        connection = undefined;
        await old?.close().catch(() => undefined);
      },
      restartTemporal: async () => {
        // Keep the start order (the server first, so it is stopped last).
        const rest = [...processes.entries()].filter(([n]) => n !== 'temporal' && n !== 'toxiproxy');
        const p = launch(temporalSpec);
        processes.clear();
        processes.set('toxiproxy', toxiproxy.process);
        processes.set('temporal', p);
        for (const [n, q] of rest) processes.set(n, q);
        await ready(temporalSpec, p);
      },
      // Only those still the same process: a pid now running something else is not ours.
      pids: () =>
        everyPid.filter((e) => e.start !== null && processStart(e.pid) === e.start).map((e) => e.pid),
      stop: async () => {
        await stopAll();
        await dropDatabases(target, Object.values(names));
      },
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
