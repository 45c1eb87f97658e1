/**
 * `make cluster`'s settings from the environment (the one place this tool reads it). Every port
 * can be set on its own, or all defaults shifted at once with CLUSTER_PORT_OFFSET (a second cluster
 * next to the first: CLUSTER_PORT_OFFSET=100 CLUSTER_DB_PREFIX=alpes2 CLUSTER_DATA_DIR=data/cluster2).
 */
import { resolve } from 'node:path';
import {
  DEFAULT_CLUSTER_PORTS,
  defaultClusterOptions,
  type ClusterOptions,
  type ClusterPorts,
} from './cluster';

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name}: not a port or count (${raw})`);
  return n;
}

export function clusterPortsFromEnv(env: Env): ClusterPorts {
  const offset = int(env, 'CLUSTER_PORT_OFFSET', 0);
  const d = DEFAULT_CLUSTER_PORTS;
  const p = (name: string, base: number) => int(env, name, base + offset);
  return {
    frontend: p('TEMPORAL_PORT', d.frontend),
    frontendHttp: p('TEMPORAL_FRONTEND_HTTP_PORT', d.frontendHttp),
    history: p('TEMPORAL_HISTORY_PORT', d.history),
    matching: p('TEMPORAL_MATCHING_PORT', d.matching),
    worker: p('TEMPORAL_WORKER_PORT', d.worker),
    frontendMembership: p('TEMPORAL_FRONTEND_MEMBERSHIP_PORT', d.frontendMembership),
    historyMembership: p('TEMPORAL_HISTORY_MEMBERSHIP_PORT', d.historyMembership),
    matchingMembership: p('TEMPORAL_MATCHING_MEMBERSHIP_PORT', d.matchingMembership),
    workerMembership: p('TEMPORAL_WORKER_MEMBERSHIP_PORT', d.workerMembership),
    webUi: p('TEMPORAL_UI_PORT', d.webUi),
    apis: [p('API_PORT', d.apis[0]), p('API_2_PORT', d.apis[1])],
    uis: [p('UI_PORT', d.uis[0]), p('UI_2_PORT', d.uis[1])],
    bank: p('SANDBOX_BANK_PORT', d.bank),
    metrics: [
      p('WORKER_1_METRICS_PORT', d.metrics[0]),
      p('WORKER_2_METRICS_PORT', d.metrics[1]),
      p('NOTIFICATIONS_METRICS_PORT', d.metrics[2]),
    ],
  };
}

// eslint-disable-next-line no-restricted-properties -- this tool's settings, like config.ts for the service
export function clusterOptionsFromEnv(env: Env = process.env): Partial<ClusterOptions> {
  const base = defaultClusterOptions();
  return {
    dataDir: env.CLUSTER_DATA_DIR ? resolve(env.CLUSTER_DATA_DIR) : base.dataDir,
    pgAdminUrl: env.CLUSTER_PG_URL || base.pgAdminUrl,
    databasePrefix: env.CLUSTER_DB_PREFIX || base.databasePrefix,
    ports: clusterPortsFromEnv(env),
    namespace: env.TEMPORAL_NAMESPACE || base.namespace,
    historyShards: int(env, 'TEMPORAL_HISTORY_SHARDS', base.historyShards),
    namespaceRetention: env.TEMPORAL_NAMESPACE_RETENTION || base.namespaceRetention,
    logLevel: env.LOG_LEVEL || base.logLevel,
    temporalLogLevel: env.TEMPORAL_LOG_LEVEL || base.temporalLogLevel,
    logPretty: env.LOG_PRETTY ? env.LOG_PRETTY === 'true' : base.logPretty,
    temporalMetricsAddress: env.TEMPORAL_METRICS_ADDRESS || undefined,
    temporalCli: env.TEMPORAL_CLI || undefined,
  };
}
