import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import { ConfigError, TEMPORAL_TLS_FILE_VARIABLES, type TemporalSecurity } from '../config';

/** Where and how to reach Temporal: what every client and worker of ours connects with. */
export interface TemporalConnectionSettings {
  address: string;
  namespace: string;
  /** TLS / API key (config.temporal.security); undefined → plaintext, no key (the dev server). */
  security?: TemporalSecurity;
}

/**
 * The options both `Connection.connect` (clients) and `NativeConnection.connect` (workers) take:
 * the address, TLS (server CA, client certificate pair, server name) and the API key. The single
 * place our processes turn settings into a connection, so a client and a worker can never disagree.
 */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | true;
  apiKey?: string;
  metadata?: Record<string, string>;
}

/**
 * Builds the connection options. TLS is on when any TEMPORAL_TLS_* is set, and always with an API
 * key (Temporal Cloud accepts nothing else); without TEMPORAL_TLS_CA the system's roots verify the
 * server (Cloud's certificates). With an API key the namespace also travels as the
 * `temporal-namespace` header, which Cloud's regional API-key endpoints route by. Files are read
 * here, at connect time; a file that cannot be read is a ConfigError naming its variable.
 */
export function temporalConnectionOptions(settings: TemporalConnectionSettings): TemporalConnectionOptions {
  const { tls, apiKey } = settings.security ?? { tls: undefined, apiKey: undefined };
  const options: TemporalConnectionOptions = { address: settings.address };
  if (tls) {
    const config: TLSConfig = {};
    if (tls.serverName) config.serverNameOverride = tls.serverName;
    if (tls.caFile) config.serverRootCACertificate = readPem(tls.caFile, TEMPORAL_TLS_FILE_VARIABLES.caFile);
    if (tls.certFile || tls.keyFile) {
      if (!tls.certFile || !tls.keyFile) {
        throw new ConfigError('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be given together');
      }
      config.clientCertPair = {
        crt: readPem(tls.certFile, TEMPORAL_TLS_FILE_VARIABLES.certFile),
        key: readPem(tls.keyFile, TEMPORAL_TLS_FILE_VARIABLES.keyFile),
      };
    }
    options.tls = config;
  }
  if (apiKey) {
    options.apiKey = apiKey;
    options.tls ??= true;
    options.metadata = { 'temporal-namespace': settings.namespace };
  }
  return options;
}

/** What a log line may say about the connection: never key material or the API key. */
export function describeTemporalConnection(settings: TemporalConnectionSettings): string {
  const { tls, apiKey } = settings.security ?? { tls: undefined, apiKey: undefined };
  const parts = [settings.address, `namespace=${settings.namespace}`];
  if (tls?.certFile) parts.push('mTLS');
  else if (tls || apiKey) parts.push('TLS');
  else parts.push('plaintext');
  if (apiKey) parts.push('API key');
  return parts.join(' ');
}

function readPem(path: string, variable: string): Buffer {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`${variable}: cannot read ${path} (${code === 'ENOENT' ? 'no such file' : code})`);
  }
  if (!/-----BEGIN [A-Z0-9 ]+-----/.test(data.toString('latin1'))) {
    throw new ConfigError(`${variable}: ${path} is not a PEM file`);
  }
  return data;
}
