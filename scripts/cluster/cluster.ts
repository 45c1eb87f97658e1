/**
 * The production topology as plain processes on this machine (`make cluster`; the cluster tests):
 *
 *   Temporal server (frontend+history+matching+worker, one process) on PostgreSQL, mTLS frontend
 *     ├─ worker-1, worker-2        payments workers (task queue `payments`)
 *     ├─ notifications             notifications worker
 *     ├─ api-1 :5000, api-2 :5001  APIs
 *     └─ temporal-ui :8233         the Web UI server (TLS to the frontend, our codec endpoint)
 *   ui-1 :5678, ui-2 :5679         live UI servers (PostgreSQL LISTEN/NOTIFY)
 *   bank :5100                     the sandbox bank (its own database)
 *
 * Everything our processes need comes from the environment each is started with: the database,
 * TEMPORAL_ADDRESS + TEMPORAL_TLS_* (the client certificate), and only its own secrets.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { openMigratedDatabase } from '../../src/infra/db/database';
import {
  temporalConnectionOptions,
  type TemporalConnectionSettings,
} from '../../src/infra/temporal/connection-options';
import type { Component } from '../../src/processes/wiring/system';
import { bundleWorkflows, WORKFLOW_BUNDLES } from '../bundle-workflows';
import { httpOk, spawnManaged, waitFor, type ManagedProcess } from './processes';
import { ensureClusterSecrets, secretsFor, type ClusterSecrets } from './secrets';
import {
  cliEnv,
  databaseUrl,
  DEFAULT_SERVER_PORTS,
  dropDatabases,
  ensureDatabase,
  ensureTemporalCli,
  ensureTemporalSchemas,
  ensureTemporalServerBinaries,
  inheritedEnv,
  postgresTarget,
  registerNamespace,
  spawnTemporalServer,
  waitServing,
  type TemporalBinaries,
  type TemporalServerOptions,
  type TemporalServerPorts,
} from './temporal-server';
import { ensureClusterTls, type ClusterTls } from './tls';

const ROOT = resolve(__dirname, '../..');

export interface ClusterPorts extends TemporalServerPorts {
  webUi: number;
  apis: [number, number];
  uis: [number, number];
  bank: number;
  /** SDK metrics of worker-1, worker-2 and the notifications worker (0 = off). */
  metrics: [number, number, number];
}

export const DEFAULT_CLUSTER_PORTS: ClusterPorts = {
  ...DEFAULT_SERVER_PORTS,
  webUi: 8233,
  apis: [5000, 5001],
  uis: [5678, 5679],
  bank: 5100,
  metrics: [9464, 9465, 9466],
};

export interface ClusterOptions {
  /** Certificates, secrets, bundles, the processes' data folders (`data/cluster`). */
  dataDir: string;
  /** A PostgreSQL superuser URL; the cluster's databases are created on that server. */
  pgAdminUrl: string;
  /** Database names: `<prefix>_temporal`, `<prefix>_temporal_visibility`, `<prefix>_cluster`, `<prefix>_cluster_bank`. */
  databasePrefix: string;
  ports: ClusterPorts;
  namespace: string;
  historyShards: number;
  namespaceRetention: string;
  /** LOG_LEVEL of our processes; TEMPORAL_LOG_LEVEL of the server. */
  logLevel: string;
  temporalLogLevel: string;
  logPretty: boolean;
  /** Extra environment for every process of ours (tests: short timeouts, SETTLEMENT_SCHEDULE). */
  extraEnv: Record<string, string>;
  /** The Temporal Web UI server too (default true). */
  webUi: boolean;
  /** Where the server serves Prometheus metrics (host:port), or undefined. */
  temporalMetricsAddress?: string;
  temporalCli?: string;
  onLine: (name: string, line: string) => void;
  log: (line: string) => void;
}

export function defaultClusterOptions(overrides: Partial<ClusterOptions> = {}): ClusterOptions {
  return {
    dataDir: join(ROOT, 'data/cluster'),
    pgAdminUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
    databasePrefix: 'alpes',
    ports: DEFAULT_CLUSTER_PORTS,
    namespace: 'default',
    historyShards: 4,
    namespaceRetention: '72h',
    logLevel: 'info',
    temporalLogLevel: 'warn',
    logPretty: true,
    extraEnv: {},
    webUi: true,
    onLine: () => undefined,
    log: () => undefined,
    ...overrides,
  };
}

/** One process of ours: what it runs and with which environment. */
interface ProcessSpec {
  name: string;
  entry: string;
  env: Record<string, string>;
  ready?: () => Promise<boolean>;
  /** A worker's task queue: it is ready once it polls it. */
  queue?: string;
}

export interface Cluster {
  options: ClusterOptions;
  tls: ClusterTls;
  secrets: ClusterSecrets;
  binaries: TemporalBinaries;
  cli: string;
  temporal: TemporalConnectionSettings;
  databases: { temporal: string; visibility: string; app: string; bank: string };
  appDatabaseUrl: string;
  apiUrls: [string, string];
  uiUrls: [string, string];
  bankUrl: string;
  webUiUrl: string | undefined;
  /** The environment for the Temporal CLI against this cluster (same names as ours). */
  cliEnv: Record<string, string>;
  process(name: string): ManagedProcess;
  names(): string[];
  /** SIGKILL one of our processes; `restart` starts it again with the same environment. */
  kill9(name: string): Promise<void>;
  restart(name: string): Promise<ManagedProcess>;
  /** SIGKILL the Temporal server, start it again, wait until it serves. */
  restartTemporal(opts?: { kill?: boolean }): Promise<ManagedProcess>;
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const o = options;
  const started = Date.now();
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(o.dataDir, 0o700);

  // 1. Binaries (built once), certificates and secrets (made once).
  const binaries = ensureTemporalServerBinaries();
  const cli = ensureTemporalCli(o.temporalCli);
  const tls = ensureClusterTls(join(o.dataDir, 'tls'), o.log);
  const fresh = !existsSync(join(o.dataDir, 'secrets.json'));
  const secrets = ensureClusterSecrets(o.dataDir, o.log);

  // 2. Databases: Temporal's two schemas, ours (migrated once here, before the processes race to
  // it), the bank's. A new data folder means new payload keys: histories encrypted with the old
  // ones could never be read again, so the cluster's databases start empty too.
  const target = postgresTarget(o.pgAdminUrl);
  const databases = {
    temporal: `${o.databasePrefix}_temporal`,
    visibility: `${o.databasePrefix}_temporal_visibility`,
    app: `${o.databasePrefix}_cluster`,
    bank: `${o.databasePrefix}_cluster_bank`,
  };
  if (fresh) {
    const dropped = await dropDatabases(target, Object.values(databases));
    if (dropped.length)
      o.log(`new ${o.dataDir} (new keys): dropped the old cluster databases ${dropped.join(', ')}`);
  }
  await ensureTemporalSchemas({
    sqlTool: binaries.sql,
    schemaDir: binaries.schema,
    target,
    databases,
    log: o.log,
  });
  const appDatabaseUrl = databaseUrl(target, databases.app);
  const appDb = await openMigratedDatabase({ kind: 'postgres', url: appDatabaseUrl });
  await appDb.destroy();
  await ensureDatabase(target, databases.bank);

  // 3. The workflow bundles, once for every worker (instead of webpack in each).
  const bundleDir = join(o.dataDir, 'bundles');
  await bundleWorkflows(bundleDir);
  const bundle = (i: number) => join(bundleDir, WORKFLOW_BUNDLES[i]!.file);

  // 4. The Temporal server.
  const serverOptions: TemporalServerOptions = {
    binary: binaries.server,
    tls,
    target,
    databases,
    ports: o.ports,
    historyShards: o.historyShards,
    logLevel: o.temporalLogLevel,
    // The server shares the machine's PostgreSQL (max_connections 100 by default) with our seven
    // processes (≤ 10 each) and whatever else runs there: 4 services × (6 + 2) ≤ 32 connections.
    maxConns: { persistence: 6, visibility: 2 },
    metricsAddress: o.temporalMetricsAddress,
    onLine: o.onLine,
  };
  const temporal: TemporalConnectionSettings = {
    address: `127.0.0.1:${o.ports.frontend}`,
    namespace: o.namespace,
    security: {
      tls: {
        certFile: tls.client.cert,
        keyFile: tls.client.key,
        caFile: tls.client.ca,
        serverName: 'localhost',
      },
      apiKey: undefined,
    },
  };
  const processes = new Map<string, ManagedProcess>();
  const specs = new Map<string, ProcessSpec>();
  const stops: Array<() => Promise<unknown>> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.splice(0)) await stop().catch(() => undefined);
    // Reverse order of start: the Web UI and the edge first, the workers, the bank, the server last.
    for (const p of [...processes.values()].reverse()) await p.stop(p.name === 'temporal' ? 20_000 : 10_000);
  };

  try {
    processes.set('temporal', spawnTemporalServer(serverOptions));
    await waitServing(temporal, processes.get('temporal'));
    o.log(
      `Temporal server serving on ${temporal.address} (mTLS) after ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    await registerNamespace({ cli, settings: temporal, tls, retention: o.namespaceRetention, log: o.log });
    // One connection of the launcher's own, to see the workers poll.
    const probe = await Connection.connect(temporalConnectionOptions(temporal));
    stops.push(() => probe.close());
    const polls = async (queue: string, pid: number): Promise<boolean> => {
      const res = await probe.workflowService.describeTaskQueue({
        namespace: o.namespace,
        taskQueue: { name: queue },
        taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
      });
      return (res.pollers ?? []).some((p) => p.identity?.startsWith(`${pid}@`));
    };

    // 5. Our processes.
    const apiUrls: [string, string] = [
      `http://localhost:${o.ports.apis[0]}`,
      `http://localhost:${o.ports.apis[1]}`,
    ];
    const uiUrls: [string, string] = [
      `http://localhost:${o.ports.uis[0]}`,
      `http://localhost:${o.ports.uis[1]}`,
    ];
    const bankUrl = `http://127.0.0.1:${o.ports.bank}`;
    const webUiUrl = `http://localhost:${o.ports.webUi}`;
    const corsOrigins = [...o.ports.uis, o.ports.webUi]
      .flatMap((p) => [`http://localhost:${p}`, `http://127.0.0.1:${p}`])
      .join(',');
    const common = (name: string): Record<string, string> => ({
      NODE_ENV: 'development',
      LOG_LEVEL: o.logLevel,
      LOG_PRETTY: String(o.logPretty),
      // Each process its own folder (an email outbox, nothing shared).
      DATA_DIR: join(o.dataDir, 'run', name),
      DATABASE_URL: appDatabaseUrl,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: o.namespace,
      TEMPORAL_TLS_CERT: tls.client.cert,
      TEMPORAL_TLS_KEY: tls.client.key,
      TEMPORAL_TLS_CA: tls.client.ca,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
      TEMPORAL_UI_URL: webUiUrl,
      CORS_ORIGINS: corsOrigins,
      WORKFLOW_BUNDLE_PATH: bundle(0),
      NOTIFICATIONS_WORKFLOW_BUNDLE_PATH: bundle(1),
      ...o.extraEnv,
    });
    const ours = (
      name: string,
      component: Component,
      env: Record<string, string>,
      entry?: string,
    ): ProcessSpec => ({
      name,
      entry:
        entry ?? `src/processes/${component === 'notifications' ? 'notifications-worker' : component}.ts`,
      env: { ...common(name), ...secretsFor(secrets, component), ...env },
    });

    const bank: ProcessSpec = {
      name: 'bank',
      entry: 'src/sandbox-bank/sandbox-bank.main.ts',
      env: {
        NODE_ENV: 'development',
        LOG_LEVEL: o.logLevel,
        LOG_PRETTY: String(o.logPretty),
        DATA_DIR: join(o.dataDir, 'run', 'bank'),
        DATABASE_URL: databaseUrl(target, databases.bank),
        SANDBOX_BANK_PORT: String(o.ports.bank),
      },
      ready: () => httpOk(`${bankUrl}/healthz`),
    };
    const workers = [1, 2].map((i) => ({
      ...ours(`worker-${i}`, 'worker', {
        SANDBOX_BANK_URL: bankUrl,
        TEMPORAL_METRICS_PORT: String(o.ports.metrics[i - 1]),
      }),
      queue: o.extraEnv.TEMPORAL_TASK_QUEUE ?? 'payments',
    }));
    const notifications = {
      ...ours('notifications', 'notifications', { TEMPORAL_METRICS_PORT: String(o.ports.metrics[2]) }),
      queue: o.extraEnv.NOTIFICATIONS_TASK_QUEUE ?? 'notifications',
    };
    const apis = [0, 1].map((i) => ({
      ...ours(`api-${i + 1}`, 'api', {
        API_PORT: String(o.ports.apis[i]),
        API_PUBLIC_URL: apiUrls[i]!,
        SANDBOX_BANK_URL: bankUrl,
      }),
      ready: () => httpOk(`${apiUrls[i]}/readyz`),
    }));
    const uis = [0, 1].map((i) => ({
      ...ours(`ui-${i + 1}`, 'ui', { UI_PORT: String(o.ports.uis[i]), API_PUBLIC_URL: apiUrls[i]! }),
      ready: () => httpOk(`${uiUrls[i]}/healthz`),
    }));

    const launch = (spec: ProcessSpec): ManagedProcess => {
      const p = spawnManaged({
        name: spec.name,
        command: process.execPath,
        args: ['--import', 'tsx', spec.entry],
        env: { ...inheritedEnv(), ...spec.env },
        cwd: ROOT,
        onLine: o.onLine,
      });
      specs.set(spec.name, spec);
      processes.set(spec.name, p);
      return p;
    };
    const ready = async (spec: ProcessSpec, p: ManagedProcess): Promise<void> => {
      if (spec.ready) return waitFor(`${spec.name} ready`, spec.ready, { process: p, timeoutMs: 60_000 });
      // A worker is up once the server sees it poll its queue (its identity is `<pid>@<host>`).
      if (spec.queue) {
        const queue = spec.queue;
        return waitFor(`${spec.name} polling ${queue}`, () => polls(queue, p.pid), {
          process: p,
          timeoutMs: 60_000,
        });
      }
    };

    const bankProcess = launch(bank);
    await ready(bank, bankProcess);
    // Workers and notifications first (they create the settlement Schedule), then the edge.
    const backend = [...workers, notifications].map((s) => [s, launch(s)] as const);
    await Promise.all(backend.map(([s, p]) => ready(s, p)));
    const edge = [...apis, ...uis].map((s) => [s, launch(s)] as const);
    await Promise.all(edge.map(([s, p]) => ready(s, p)));

    // 6. The Web UI: TLS to the frontend, payloads decoded by our codec endpoint. Its config
    // carries the codec link token, so it is a 0600 file in a 0700 folder, not a command-line flag.
    if (o.webUi) {
      const dir = join(o.dataDir, 'temporal-ui');
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
      const file = join(dir, 'cluster.yaml');
      writeFileSync(
        file,
        webUiConfig({
          address: temporal.address,
          port: o.ports.webUi,
          namespace: o.namespace,
          tls,
          codecEndpoint: `${apiUrls[0]}/codec/ui/${secrets.env.CODEC_UI_TOKEN}`,
          origins: [webUiUrl, `http://127.0.0.1:${o.ports.webUi}`],
        }),
        { mode: 0o600 },
      );
      chmodSync(file, 0o600);
      const webUi = spawnManaged({
        name: 'temporal-ui',
        command: binaries.ui,
        args: ['--root', dir, '--config', '.', '--env', 'cluster', 'start'],
        env: inheritedEnv(),
        cwd: dir,
        onLine: o.onLine,
      });
      processes.set('temporal-ui', webUi);
      await waitFor('the Temporal Web UI', () => httpOk(`${webUiUrl}/healthz`), {
        process: webUi,
        timeoutMs: 30_000,
      });
    }
    o.log(`cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    return {
      options: o,
      tls,
      secrets,
      binaries,
      cli,
      temporal,
      databases,
      appDatabaseUrl,
      apiUrls,
      uiUrls,
      bankUrl,
      webUiUrl: o.webUi ? webUiUrl : undefined,
      cliEnv: cliEnv(temporal, tls),
      process: (name) => {
        const p = processes.get(name);
        if (!p) throw new Error(`no process ${name}`);
        return p;
      },
      names: () => [...processes.keys()],
      kill9: async (name) => {
        await processes.get(name)?.kill9();
      },
      restart: async (name) => {
        const spec = specs.get(name);
        if (!spec) throw new Error(`no process ${name} to restart`);
        await processes.get(name)?.stop();
        const p = launch(spec);
        await ready(spec, p);
        return p;
      },
      restartTemporal: async ({ kill = true } = {}) => {
        const old = processes.get('temporal')!;
        if (kill) await old.kill9();
        else await old.stop(20_000);
        // Keep the start order (the server first, so it is stopped last).
        const p = spawnTemporalServer(serverOptions);
        const rest = [...processes.entries()].filter(([n]) => n !== 'temporal');
        processes.clear();
        processes.set('temporal', p);
        for (const [n, q] of rest) processes.set(n, q);
        await waitServing(temporal, p);
        return p;
      },
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** The UI server's configuration (temporalio/ui-server config keys; see its config/docker.yaml). */
function webUiConfig(c: {
  address: string;
  port: number;
  namespace: string;
  tls: ClusterTls;
  codecEndpoint: string;
  origins: string[];
}): string {
  const q = (s: string) => JSON.stringify(s);
  return [
    '# Generated by scripts/cluster/cluster.ts at every start. Holds the codec link token: keep it 0600.',
    `temporalGrpcAddress: ${q(c.address)}`,
    // Loopback only, like every port of make cluster: the Web UI has no authentication.
    'host: "127.0.0.1"',
    `port: ${c.port}`,
    `publicPath: ""`,
    'enableUi: true',
    `defaultNamespace: ${q(c.namespace)}`,
    'notifyOnNewVersion: false',
    'refreshInterval: 0s',
    'showTemporalSystemNamespace: false',
    'cors:',
    // Plain http on localhost: the CSRF cookie cannot be Secure.
    '  cookieInsecure: true',
    '  unsafeAllowAllOrigins: false',
    '  allowOrigins:',
    ...c.origins.map((o) => `    - ${q(o)}`),
    'tls:',
    `  caFile: ${q(c.tls.client.ca)}`,
    `  certFile: ${q(c.tls.client.cert)}`,
    `  keyFile: ${q(c.tls.client.key)}`,
    '  enableHostVerification: true',
    '  serverName: "localhost"',
    'auth:',
    '  enabled: false',
    'codec:',
    `  endpoint: ${q(c.codecEndpoint)}`,
    '  passAccessToken: false',
    '  includeCredentials: false',
    'forwardHeaders: []',
    'hideLogs: false',
    '',
  ].join('\n');
}
