#!/usr/bin/env node
'use strict';
/**
 * Container health check for the production image (plain JavaScript: it runs from dist/, no tsx).
 *
 *   node scripts/healthcheck.js [probe ...]        exit 0 = healthy, 1 = not
 *
 * Probes:
 *   http://HOST:PORT/PATH   answers 2xx within the timeout
 *   temporal                this container holds an ESTABLISHED TCP connection to the port of
 *                           TEMPORAL_ADDRESS (a worker that lost Temporal, or never reached it, fails)
 *
 * Without probes (the image's HEALTHCHECK), they are derived from the entry point the container
 * runs (`node dist/processes/<name>.js`, or the bank's `dist/sandbox-bank/sandbox-bank.main.js`) and the ports of the config it loads, so one HEALTHCHECK is
 * right for every process. docker-compose.yml names its probes explicitly.
 */
const { readFileSync, readdirSync } = require('node:fs');
const http = require('node:http');
const https = require('node:https');

const TIMEOUT_MS = 3000;
const TCP_ESTABLISHED = '01';

function loadConfig() {
  return require('../dist/infra/config').loadConfig();
}

/** The entry point of the process this container runs, from /proc (works with or without an init). */
function runningEntryPoint() {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    if (Number(pid) === process.pid) continue;
    let args;
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    for (const arg of args) {
      const match = /dist\/(?:processes\/([a-z-]+)|sandbox-bank\/(sandbox-bank)\.main)\.js$/.exec(arg);
      if (match) return match[1] ?? match[2];
    }
  }
  return undefined;
}

function defaultProbes() {
  const entry = runningEntryPoint();
  const config = loadConfig();
  const local = (port, path) => `http://127.0.0.1:${port}${path}`;
  switch (entry) {
    case 'api':
      return [local(config.api.port, '/healthz')];
    case 'ui':
      return [local(config.ui.port, '/healthz')];
    case 'sandbox-bank':
      return [local(config.sandboxBank.port, '/healthz')];
    case 'worker':
    case 'notifications-worker':
      return config.telemetry.temporalMetricsPort > 0
        ? [local(config.telemetry.temporalMetricsPort, '/metrics'), 'temporal']
        : ['temporal'];
    default:
      throw new Error(
        `no health probe known for entry point ${entry ?? '(none found)'}; pass probes as arguments`,
      );
  }
}

function httpProbe(url) {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(url, { timeout: TIMEOUT_MS }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) resolve(`${url} ${status}`);
      else reject(new Error(`${url} answered ${status}`));
    });
    req.on('timeout', () => req.destroy(new Error(`${url} timed out after ${TIMEOUT_MS} ms`)));
    req.on('error', (e) => reject(new Error(`${url}: ${e.message}`)));
  });
}

/** Remote ports of this network namespace's established TCP connections (IPv4 and IPv6). */
function establishedRemotePorts() {
  const ports = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 4 || fields[3] !== TCP_ESTABLISHED) continue;
      ports.add(parseInt(fields[2].split(':').pop(), 16));
    }
  }
  return ports;
}

async function temporalProbe() {
  const address = loadConfig().temporal.address;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set');
  const port = Number(address.split(':').pop());
  if (!Number.isInteger(port)) throw new Error(`TEMPORAL_ADDRESS ${address} has no port`);
  if (!establishedRemotePorts().has(port))
    throw new Error(`no established connection to Temporal (${address})`);
  return `connected to Temporal ${address}`;
}

async function main() {
  const probes = process.argv.length > 2 ? process.argv.slice(2) : defaultProbes();
  const results = [];
  for (const probe of probes) {
    if (probe === 'temporal') results.push(await temporalProbe());
    else if (/^https?:\/\//.test(probe)) results.push(await httpProbe(probe));
    else throw new Error(`unknown probe "${probe}" (use http(s)://… or temporal)`);
  }
  return results;
}

setTimeout(() => {
  process.stderr.write('unhealthy: health check timed out\n');
  process.exit(1);
}, TIMEOUT_MS * 2).unref();

main().then(
  (results) => {
    process.stdout.write(`healthy: ${results.join('; ')}\n`);
    process.exit(0);
  },
  (err) => {
    process.stderr.write(`unhealthy: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
