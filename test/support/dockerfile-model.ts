/** The Dockerfile parsed into stages of instructions, its structural lint, and .dockerignore matching. */

export interface Instruction {
  keyword: string;
  args: string;
}
export interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!current && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  if (current) logical.push(current);
  const stages: Stage[] = [];
  for (const l of logical) {
    const m = /^(\S+)\s*(.*)$/.exec(l)!;
    const keyword = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    if (keyword === 'FROM') {
      const fm = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ from: fm?.[1] ?? args, name: fm?.[2], instructions: [] });
    } else if (stages.length) {
      stages[stages.length - 1]!.instructions.push({ keyword, args });
    } else if (keyword !== 'ARG') {
      throw new Error(`${keyword} before the first FROM`);
    }
  }
  return stages;
}

/** `ENV A=1 B="2"` or `ENV A 1` → { A: '1', B: '2' }. */
export function envInstruction(args: string): Record<string, string> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
    const [k, ...v] = args.split(/\s+/);
    return { [k!]: v.join(' ') };
  }
  const out: Record<string, string> = {};
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g)) {
    out[m[1]!] = m[2]!.replace(/^["']|["']$/g, '');
  }
  return out;
}

export function execArgs(args: string): string[] {
  const trimmed = args.replace(/^(--\S+\s+)*/, '');
  if (trimmed.startsWith('[')) return JSON.parse(trimmed) as string[];
  return trimmed.split(/\s+/);
}

/** Setting names that hold secrets (never baked into an image, never in a shared settings file). */
export const SECRET_NAME = /KEY|SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL/i;

/** Structural lint of our Dockerfile; returns the problems (empty = fine). */
export function lintDockerfile(text: string): string[] {
  const problems: string[] = [];
  let stages: Stage[];
  try {
    stages = parseDockerfile(text);
  } catch (e) {
    return [(e as Error).message];
  }
  const named = stages.filter((s) => s.name);
  if (stages.length < 2 || named.length < 2)
    problems.push('not multi-stage: need at least two `FROM … AS name` stages');
  const runtime = stages[stages.length - 1];
  if (!runtime) return ['no FROM'];
  const of = (k: string) => runtime.instructions.filter((i) => i.keyword === k);

  for (const s of stages) {
    if (!/:[^/]+$/.test(s.from) && !stages.some((o) => o.name === s.from)) {
      problems.push(`stage ${s.name ?? s.from}: base image ${s.from} has no tag`);
    }
    if (/:latest$/.test(s.from)) problems.push(`stage ${s.name ?? s.from}: base image uses :latest`);
    for (const i of s.instructions) {
      if (i.keyword === 'ADD' && /(^|\s)(https?|git|ftp):\/\//i.test(i.args)) {
        problems.push(`ADD of a remote URL: ${i.args}`);
      }
      if (i.keyword === 'ENV' || i.keyword === 'ARG') {
        const pairs =
          i.keyword === 'ENV' ? envInstruction(i.args) : Object.fromEntries([i.args.split('=', 2)]);
        for (const [k, v] of Object.entries(pairs)) {
          if (SECRET_NAME.test(k) && v) problems.push(`${i.keyword} bakes a secret into the image: ${k}`);
        }
      }
      if (i.keyword === 'COPY') {
        const from = /--from=(\S+)/.exec(i.args)?.[1];
        if (from && !stages.some((o) => o.name === from) && !/[:/]/.test(from)) {
          problems.push(`COPY --from=${from}: no such stage`);
        }
      }
    }
  }

  const runs = of('RUN').map((i) => i.args);
  if (!runs.some((r) => /\bnpm ci\b[^&|;]*--omit=dev/.test(r)))
    problems.push('runtime stage: no `npm ci --omit=dev`');
  if (runs.some((r) => /\bnpm (install|i)\b/.test(r)))
    problems.push('runtime stage: npm install (use npm ci)');
  const users = of('USER');
  const lastUser = users[users.length - 1]?.args.split(':')[0];
  if (!lastUser || lastUser === 'root' || lastUser === '0')
    problems.push('runtime stage: runs as root (add USER node)');
  const cmdIndex = runtime.instructions.findIndex((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT');
  const userIndex = runtime.instructions.findIndex((i) => i.keyword === 'USER');
  if (userIndex < 0 || (cmdIndex >= 0 && userIndex > cmdIndex))
    problems.push('runtime stage: USER must come before CMD');
  const env = Object.assign({}, ...of('ENV').map((i) => envInstruction(i.args))) as Record<string, string>;
  if (env.NODE_ENV !== 'production') problems.push('runtime stage: NODE_ENV is not production');
  const health = of('HEALTHCHECK');
  if (
    !health.length ||
    health.some((h) => /^NONE\b/i.test(h.args)) ||
    !health.some((h) => /\bCMD\b/.test(h.args))
  ) {
    problems.push('runtime stage: no HEALTHCHECK … CMD');
  }
  if (of('COPY').some((i) => !/--from=/.test(i.args) && /^(?:--\S+\s+)*\.\s/.test(i.args))) {
    problems.push('runtime stage: copies the whole build context (COPY . …)');
  }
  if (!of('CMD').length && !of('ENTRYPOINT').length) problems.push('runtime stage: no CMD');
  return problems;
}

/** Docker's .dockerignore semantics for our patterns: the last matching line wins; `!` re-includes. */
export function dockerignoreExcludes(patterns: string[], path: string): boolean {
  const toRegex = (p: string) =>
    new RegExp(
      `^${p
        .replace(/^\/+|\/+$/g, '')
        .split('/')
        .map((seg) =>
          seg === '**'
            ? '.*'
            : seg
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]'),
        )
        .join('/')
        .replace(/\.\*\//g, '(?:.*/)?')}$`,
    );
  const prefixes = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  let excluded = false;
  for (const line of patterns) {
    const negate = line.startsWith('!');
    const re = toRegex(negate ? line.slice(1) : line);
    if (prefixes.some((p) => re.test(p))) excluded = !negate;
  }
  return excluded;
}
