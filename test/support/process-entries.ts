import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { argv, type Service } from './compose-model';

/** The repository's root, and its files as text: what the deployment checks read. */
export const REPO_ROOT = resolve(__dirname, '../..');
export const readRepoFile = (path: string): string => readFileSync(join(REPO_ROOT, path), 'utf8');

/** What a process needs, read from its entry point. */
export interface ProcessNeeds {
  postgres: boolean;
  temporal: boolean;
}

export function entryOf(service: Service): { role: string; source: string } | undefined {
  for (const arg of argv(service.command)) {
    const dist = /^dist\/processes\/([a-z-]+)\.js$/.exec(arg);
    if (dist) return { role: dist[1]!, source: `src/processes/${dist[1]}.ts` };
    const service = /^dist\/([a-z-]+)\/([a-z-]+)\.main\.js$/.exec(arg);
    if (service) return { role: service[2]!, source: `src/${service[1]}/${service[2]}.main.ts` };
    const script = /^scripts\/([a-z-]+)\.js$/.exec(arg);
    if (script) return { role: script[1]!, source: arg };
  }
  return undefined;
}

export function needsOf(source: string): ProcessNeeds {
  let code = readRepoFile(source);
  const standalone = /\brunStandalone\(/.test(code);
  if (standalone) code += readRepoFile('src/processes/wiring/standalone.ts');
  return {
    postgres: /database\.kind !== 'postgres'/.test(code),
    temporal: /!config\.temporal\.address/.test(code),
  };
}

/** Setting names config.ts (and the schema fragments it merges) reads. */
export function knownSettings(): Set<string> {
  const names = new Set<string>();
  for (const file of [
    'src/infra/config.ts',
    'src/infra/notifications/notification-config.ts',
    'src/sandbox-bank/sandbox-bank.config.ts',
    'src/infra/settlements/settlement-config.ts',
  ]) {
    for (const m of readRepoFile(file).matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)) names.add(m[1]!);
  }
  return names;
}
