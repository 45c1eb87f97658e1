import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Summarises V8 `.cpuprofile` files (written by `node --cpu-prof`) by where the self time goes:
 * packages (Temporal SDK, protobuf, knex, pg, express, zod, pino…), our own code by folder, the
 * workflow sandbox, node internals (crypto, streams…), GC. Idle time is left out of the shares.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  file: string;
  /** Which thread of the process it is, guessed from what ran on it. */
  thread: 'main' | 'workflow sandbox' | 'module loader (tsx hooks)';
  /** Sampled wall time of the profile (ms). */
  wallMs: number;
  /** Busy (non-idle) sampled time, ms. */
  busyMs: number;
  categories: Array<{ name: string; ms: number; share: number }>;
  topFunctions: Array<{ name: string; where: string; ms: number; share: number }>;
}

function category(node: ProfileNode): string {
  const { functionName: fn, url } = node.callFrame;
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)') return 'idle';
  if (fn === '(program)') return 'V8/native (program)';
  if (fn === '(root)') return 'idle';
  if (!url) return 'native (no script)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) {
    if (pkg === '@temporalio/proto' || pkg === 'protobufjs' || pkg.startsWith('@protobufjs'))
      return 'protobuf';
    if (pkg.startsWith('@temporalio/')) return `temporal sdk (${pkg.slice('@temporalio/'.length)})`;
    if (pkg === 'pg' || pkg === 'pg-protocol' || pkg === 'pg-types' || pkg === 'pg-pool') return 'pg driver';
    if (['express', 'router', 'body-parser', 'send', 'serve-static', 'qs', 'raw-body'].includes(pkg))
      return 'express';
    if (pkg.startsWith('@opentelemetry')) return 'opentelemetry';
    if (pkg === 'tsx' || pkg === 'esbuild' || pkg === 'get-tsconfig') return 'tsx (TypeScript loader)';
    return pkg;
  }
  if (url.includes('bundle') && url.endsWith('.js')) return 'workflow code (sandbox bundle)';
  const src = /\/src\/([^/]+)(?:\/([^/]+))?/.exec(url);
  if (src) return `our code: src/${src[1]}${src[2] && src[1] === 'infra' ? `/${src[2]}` : ''}`;
  if (url.startsWith('node:internal/crypto') || url.includes('internal/crypto')) return 'node: crypto';
  if (/node:(internal\/)?(stream|net|http|_http|tls|dns|streams)/.test(url)) return 'node: net/http/streams';
  if (url.startsWith('node:') || url.startsWith('internal/')) return 'node: other internals';
  if (url.startsWith('evalmachine') || url.includes('vm')) return 'workflow code (sandbox bundle)';
  return 'other scripts';
}

export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    selfMs.set(id, (selfMs.get(id) ?? 0) + dt);
  }
  const cats = new Map<string, number>();
  const fns = new Map<string, { name: string; where: string; ms: number }>();
  let busy = 0;
  for (const [id, ms] of selfMs) {
    const node = byId.get(id);
    if (!node) continue;
    const cat = category(node);
    if (cat === 'idle') continue;
    busy += ms;
    cats.set(cat, (cats.get(cat) ?? 0) + ms);
    const where = `${node.callFrame.url.replace(/^.*node_modules\//, '').replace(/^.*\/(src|bench)\//, '$1/')}:${node.callFrame.lineNumber + 1}`;
    const key = `${node.callFrame.functionName}@${where}`;
    const f = fns.get(key) ?? { name: node.callFrame.functionName || '(anonymous)', where, ms: 0 };
    f.ms += ms;
    fns.set(key, f);
  }
  const share = (ms: number): number => Math.round((ms / Math.max(busy, 1e-9)) * 1000) / 10;
  const has = (name: string): number => cats.get(name) ?? 0;
  const thread: ProfileSummary['thread'] =
    has('workflow code (sandbox bundle)') > 0
      ? 'workflow sandbox'
      : busy < 2_000 && has('tsx (TypeScript loader)') >= 0 && !cats.has('protobuf')
        ? 'module loader (tsx hooks)'
        : 'main';
  return {
    file,
    thread,
    wallMs: Math.round((profile.endTime - profile.startTime) / 1000),
    busyMs: Math.round(busy),
    categories: [...cats.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, ms]) => ({ name, ms: Math.round(ms), share: share(ms) })),
    topFunctions: [...fns.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map((f) => ({ ...f, ms: Math.round(f.ms), share: share(f.ms) })),
  };
}

export function summarizeProfileDir(dir: string): ProfileSummary[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => summarizeProfile(join(dir, f)));
  } catch {
    return [];
  }
}
