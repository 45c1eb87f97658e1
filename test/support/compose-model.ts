import { parse as parseYaml } from 'yaml';

/**
 * A small model of what Compose does, for the deployment checks: .env parsing, ${…} interpolation,
 * env_file + environment, and the parts of a service the checks read.
 */

/** Parses an env file the way Compose's dotenv does for the forms we use (quotes, comments, export). */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new Error(`not a KEY=VALUE line: ${line}`);
    const [, key, rest] = m as unknown as [string, string, string];
    if (key in out) throw new Error(`${key} is set twice`);
    let value: string;
    if (rest.startsWith("'")) {
      const end = rest.indexOf("'", 1);
      if (end < 0) throw new Error(`${key}: unterminated single quote`);
      value = rest.slice(1, end);
    } else if (rest.startsWith('"')) {
      const m2 = /^"((?:[^"\\]|\\.)*)"/.exec(rest);
      if (!m2) throw new Error(`${key}: unterminated double quote`);
      value = m2[1]!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    } else {
      value = rest.replace(/\s+#.*$/, '').trim();
    }
    out[key] = value;
  }
  return out;
}

/** Compose variable interpolation: $$, $VAR, ${VAR}, ${VAR:-d}, ${VAR-d}, ${VAR:?e}, ${VAR?e}, ${VAR:+a}, ${VAR+a}. */
export function interpolate(value: string, vars: Record<string, string>): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c !== '$') {
      out += c;
      continue;
    }
    const next = value[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '{') {
      const end = value.indexOf('}', i);
      if (end < 0) throw new Error(`unterminated \${ in ${value}`);
      const expr = value.slice(i + 2, end);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])(.*))?$/s.exec(expr);
      if (!m) throw new Error(`invalid interpolation \${${expr}}`);
      const [, name, op, arg = ''] = m as unknown as [string, string, string | undefined, string | undefined];
      const v = vars[name!];
      const set = v !== undefined;
      const nonEmpty = set && v !== '';
      switch (op) {
        case undefined:
          out += v ?? '';
          break;
        case ':-':
          out += nonEmpty ? v : interpolate(arg, vars);
          break;
        case '-':
          out += set ? v : interpolate(arg, vars);
          break;
        case ':?':
        case '?':
          if (op === ':?' ? !nonEmpty : !set) throw new Error(`required variable ${name} is missing: ${arg}`);
          out += v;
          break;
        case ':+':
          out += nonEmpty ? interpolate(arg, vars) : '';
          break;
        case '+':
          out += set ? interpolate(arg, vars) : '';
          break;
      }
      i = end;
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(value.slice(i + 1));
      if (!m) {
        out += c;
        continue;
      }
      out += vars[m[0]] ?? '';
      i += m[0].length;
    }
  }
  return out;
}

function interpolateAll(node: unknown, vars: Record<string, string>): unknown {
  if (typeof node === 'string') return interpolate(node, vars);
  if (Array.isArray(node)) return node.map((n) => interpolateAll(n, vars));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateAll(v, vars)]));
  }
  return node;
}

export interface Healthcheck {
  test?: string[] | string;
  disable?: boolean;
}
export interface Service {
  image?: string;
  networks?: string[] | Record<string, unknown>;
  volumes?: string[];
  build?: unknown;
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | number | null> | string[];
  env_file?: string | string[];
  ports?: string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: Healthcheck;
  profiles?: string[];
  restart?: string;
  deploy?: { replicas?: number };
  container_name?: string;
}
export interface ComposeFile {
  services: Record<string, Service>;
  networks?: Record<string, unknown>;
}

/** A compose file's text as Compose sees it once .env holds `envFile` (merge keys resolved, interpolated). */
export function parseCompose(text: string, envFile: Record<string, string>): ComposeFile {
  const raw = parseYaml(text, { merge: true }) as ComposeFile;
  return interpolateAll(raw, envFile) as ComposeFile;
}

export function envOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((e) => {
        const i = e.indexOf('=');
        return i < 0 ? [e, ''] : [e.slice(0, i), e.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

export function envFilesOf(service: Service): string[] {
  const f = service.env_file;
  return f === undefined ? [] : Array.isArray(f) ? f : [f];
}

export function argv(command: string[] | string | undefined): string[] {
  return command === undefined ? [] : Array.isArray(command) ? command : command.split(/\s+/);
}

/** Published ports: `[ip:]host:container` → { host, container }. */
export function publishedPorts(service: Service): Array<{ host: number; container: number }> {
  return (service.ports ?? []).map((p) => {
    const parts = String(p).split(':');
    return { host: Number(parts[parts.length - 2]), container: Number(parts[parts.length - 1]) };
  });
}

export function dependsOn(service: Service): Record<string, { condition?: string }> {
  const d = service.depends_on ?? {};
  return Array.isArray(d) ? Object.fromEntries(d.map((n) => [n, {}])) : d;
}

export function networksOf(service: Service): string[] {
  const n = service.networks;
  return n === undefined ? ['default'] : Array.isArray(n) ? n : Object.keys(n);
}

/** `host:container[:ro]` volume entries → { host, container, readOnly }. */
export function mountsOf(service: Service): Array<{ host: string; container: string; readOnly: boolean }> {
  return (service.volumes ?? []).map((v) => {
    const [host, container, mode] = String(v).split(':') as [string, string, string | undefined];
    return { host, container, readOnly: mode === 'ro' };
  });
}

/** The container path of a file, mapped back to the host path it is mounted from (or undefined). */
export function hostPathOf(
  service: Service,
  containerPath: string,
): { host: string; readOnly: boolean } | undefined {
  for (const m of mountsOf(service)) {
    if (containerPath === m.container || containerPath.startsWith(`${m.container}/`)) {
      return { host: m.host + containerPath.slice(m.container.length), readOnly: m.readOnly };
    }
  }
  return undefined;
}
