/**
 * `make cluster`: the production topology as plain processes on this machine — the real Temporal
 * server on PostgreSQL with mTLS, two payments workers, the notifications worker, two APIs, two
 * live UI servers, the sandbox bank and the Temporal Web UI, each with its log lines prefixed.
 * Ctrl-C stops everything, the Temporal server last. Settings: scripts/cluster/cluster-env.ts.
 */
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startCluster, defaultClusterOptions, type Cluster } from './cluster/cluster';
import { clusterOptionsFromEnv } from './cluster/cluster-env';

const COLORS = [36, 33, 35, 32, 34, 91, 92, 93, 94, 95, 96];
const colorOf = new Map<string, number>();
const tty = process.stdout.isTTY;

function prefixed(name: string, line: string): void {
  if (!colorOf.has(name)) colorOf.set(name, COLORS[colorOf.size % COLORS.length]!);
  const tag = `[${name}]`.padEnd(15);
  process.stdout.write(`${tty ? `\x1b[${colorOf.get(name)}m${tag}\x1b[0m` : tag} ${line}\n`);
}

async function main(): Promise<void> {
  const options = defaultClusterOptions({
    ...clusterOptionsFromEnv(),
    onLine: prefixed,
    log: (line) => prefixed('cluster', line),
  });
  // Set once the cluster is up; a signal may arrive before that.
  const running: { cluster?: Cluster } = {};
  let stopping = false;
  const stop = async (): Promise<void> => {
    // Still starting: nothing to stop in order; the exit hook SIGKILLs what was started so far.
    if (!running.cluster) process.exit(130);
    await running.cluster.stop();
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      prefixed('cluster', `${signal} again: killing everything now`);
      process.exit(130); // the exit hook SIGKILLs every process group we started
    }
    stopping = true;
    prefixed('cluster', `${signal}: stopping every process, the Temporal server last`);
    stop().then(
      () => {
        prefixed('cluster', 'stopped');
        process.exit(0);
      },
      (err: unknown) => {
        prefixed('cluster', `stop failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const cluster = await startCluster(options);
  running.cluster = cluster;
  if (stopping) return;
  const cliEnvFile = join(options.dataDir, 'temporal-cli.env');
  writeFileSync(
    cliEnvFile,
    `# The Temporal CLI (and our processes) read these: set -a; . ${relative(process.cwd(), cliEnvFile)}; set +a\n` +
      Object.entries(cluster.cliEnv)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n') +
      '\n',
  );
  const rel = (p: string) => relative(process.cwd(), p);
  const db = (name: string) => `${new URL(options.pgAdminUrl).host}/${name}`;
  const banner = [
    '',
    '  Alpes Partners — the cluster is up (the real Temporal server on PostgreSQL, mTLS)',
    `  Temporal         ${cluster.temporal.address}  mTLS (client certificate required), namespace ${options.namespace}, ${options.historyShards} history shards`,
    `                   persistence ${db(cluster.databases.temporal)}, visibility ${db(cluster.databases.visibility)}`,
    `  Temporal Web UI  ${cluster.webUiUrl ?? '(off)'}`,
    `  APIs             ${cluster.apiUrls.join('   ')}`,
    `  Live dashboards  ${cluster.uiUrls.join('   ')}`,
    `  Sandbox bank     ${cluster.bankUrl}   (/ledger)`,
    `  Workers          worker-1, worker-2 (queue payments), notifications (queue notifications)`,
    `  Database         ${db(cluster.databases.app)} (bank: ${db(cluster.databases.bank)})`,
    `  API keys         admin     ${cluster.secrets.apiKeys.admin}`,
    `                   approver  ${cluster.secrets.apiKeys.approver}   (in ${rel(join(options.dataDir, 'secrets.json'))})`,
    `  Dashboard link   ${cluster.uiUrls[0]}/#key=${cluster.secrets.apiKeys.admin}`,
    `  Certificates     ${rel(cluster.tls.root)}/{ca,server,client}/`,
    `  Temporal CLI     set -a; . ${rel(cliEnvFile)}; set +a; ${cluster.cli} workflow list --query 'PaymentStatus="COMPLETED"'`,
    '  Ctrl-C stops everything.',
    '',
  ].join('\n');
  process.stdout.write(`${banner}\n`);
}

main().catch((err: unknown) => {
  prefixed('cluster', `fatal: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
