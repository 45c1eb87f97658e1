/**
 * The cluster's mTLS material, made with the openssl CLI on first use and kept under one root
 * (`data/cluster/tls/` for `make cluster`), split by who may read what — docker-compose mounts the
 * same folders (docs/deployment.md):
 *
 *   ca/      ca.pem, ca-key.pem           the local CA; its key never leaves this folder
 *   server/  server.pem, server-key.pem,  the Temporal server: frontend and internode certificate
 *            ca.pem                       (SAN localhost, 127.0.0.1, temporal; serverAuth + clientAuth)
 *   client/  client.pem, client-key.pem,  our processes, the CLI and the Web UI (clientAuth)
 *            ca.pem                       (verifies the server)
 *
 * Idempotent: existing files are kept; a leaf certificate that expires within a week is reissued
 * from the same CA. Keys are EC P-256 (PKCS#8), files 0600 in 0700 folders.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ClusterTls {
  root: string;
  ca: { cert: string; key: string };
  server: { dir: string; cert: string; key: string; ca: string };
  client: { dir: string; cert: string; key: string; ca: string };
}

/** Names the server certificate answers to: local processes, and the compose service `temporal`. */
export const SERVER_SANS = ['DNS:localhost', 'IP:127.0.0.1', 'DNS:temporal'];

const LEAF_DAYS = 365;
const CA_DAYS = 3650;
const RENEW_WITHIN_SECONDS = 7 * 24 * 3600;

export function clusterTlsLayout(root: string): ClusterTls {
  return {
    root,
    ca: { cert: join(root, 'ca/ca.pem'), key: join(root, 'ca/ca-key.pem') },
    server: {
      dir: join(root, 'server'),
      cert: join(root, 'server/server.pem'),
      key: join(root, 'server/server-key.pem'),
      ca: join(root, 'server/ca.pem'),
    },
    client: {
      dir: join(root, 'client'),
      cert: join(root, 'client/client.pem'),
      key: join(root, 'client/client-key.pem'),
      ca: join(root, 'client/ca.pem'),
    },
  };
}

function openssl(args: string[], input?: string): string {
  const res = spawnSync('openssl', args, { input, encoding: 'utf8' });
  if (res.error) throw new Error(`openssl is needed for the cluster's certificates: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`openssl ${args[0]} failed: ${res.stderr.trim()}`);
  return res.stdout;
}

const privateDir = (dir: string): void => {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
};

function newKey(path: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);
  chmodSync(path, 0o600);
}

/** True when the certificate exists and is valid for at least another week. */
function fresh(cert: string): boolean {
  if (!existsSync(cert)) return false;
  return (
    spawnSync('openssl', ['x509', '-in', cert, '-noout', '-checkend', String(RENEW_WITHIN_SECONDS)])
      .status === 0
  );
}

/** Issues a leaf certificate signed by `ca`, with the given extensions, into `cert`/`key`. */
export function issueLeaf(opts: {
  ca: { cert: string; key: string };
  cert: string;
  key: string;
  subject: string;
  extensions: string[];
  days?: number;
}): void {
  newKey(opts.key);
  const csr = openssl(['req', '-new', '-key', opts.key, '-subj', opts.subject]);
  const extFile = `${opts.cert}.ext`;
  writeFileSync(extFile, `${opts.extensions.join('\n')}\n`);
  try {
    openssl(
      [
        'x509',
        '-req',
        '-CA',
        opts.ca.cert,
        '-CAkey',
        opts.ca.key,
        '-CAcreateserial',
        '-days',
        String(opts.days ?? LEAF_DAYS),
        '-sha256',
        '-extfile',
        extFile,
        '-out',
        opts.cert,
      ],
      csr,
    );
  } finally {
    rmSync(extFile, { force: true });
    rmSync(opts.ca.cert.replace(/\.pem$/, '.srl'), { force: true });
  }
  chmodSync(opts.cert, 0o644);
}

/** A self-signed CA (certificate + key) at the given paths. */
export function createCa(opts: { cert: string; key: string; subject: string; days?: number }): void {
  newKey(opts.key);
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    opts.key,
    '-sha256',
    '-days',
    String(opts.days ?? CA_DAYS),
    '-subj',
    opts.subject,
    '-addext',
    'basicConstraints=critical,CA:TRUE,pathlen:0',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-addext',
    'subjectKeyIdentifier=hash',
    '-out',
    opts.cert,
  ]);
  chmodSync(opts.cert, 0o644);
}

const LEAF_BASE = [
  'basicConstraints=critical,CA:FALSE',
  'keyUsage=critical,digitalSignature,keyEncipherment',
  'subjectKeyIdentifier=hash',
  'authorityKeyIdentifier=keyid',
];

/** Creates whatever is missing (or about to expire) under `root`; returns the paths. */
export function ensureClusterTls(root: string, log: (line: string) => void = () => undefined): ClusterTls {
  const tls = clusterTlsLayout(root);
  privateDir(root);
  for (const dir of [join(root, 'ca'), tls.server.dir, tls.client.dir]) privateDir(dir);
  let caChanged = false;
  if (!existsSync(tls.ca.key) || !fresh(tls.ca.cert)) {
    createCa({ ...tls.ca, subject: '/O=Alpes Partners/CN=Alpes local cluster CA' });
    caChanged = true;
    log(`created a local CA in ${join(root, 'ca')}`);
  }
  if (caChanged || !existsSync(tls.server.key) || !fresh(tls.server.cert)) {
    issueLeaf({
      ca: tls.ca,
      cert: tls.server.cert,
      key: tls.server.key,
      subject: '/O=Alpes Partners/CN=temporal',
      extensions: [
        ...LEAF_BASE,
        // serverAuth for the frontend, clientAuth because the server's own services are clients too.
        'extendedKeyUsage=serverAuth,clientAuth',
        `subjectAltName=${SERVER_SANS.join(',')}`,
      ],
    });
    log(`issued the Temporal server certificate (${SERVER_SANS.join(', ')})`);
  }
  if (caChanged || !existsSync(tls.client.key) || !fresh(tls.client.cert)) {
    issueLeaf({
      ca: tls.ca,
      cert: tls.client.cert,
      key: tls.client.key,
      subject: '/O=Alpes Partners/CN=alpes-client',
      extensions: [...LEAF_BASE, 'extendedKeyUsage=clientAuth'],
    });
    log('issued the client certificate (workers, APIs, CLI, Web UI)');
  }
  for (const ca of [tls.server.ca, tls.client.ca]) {
    copyFileSync(tls.ca.cert, ca);
    chmodSync(ca, 0o644);
  }
  return tls;
}

/** A client certificate from a CA of its own (tests: the frontend must refuse it). */
export function foreignClientCertificate(dir: string): { ca: string; cert: string; key: string } {
  privateDir(dir);
  const ca = { cert: join(dir, 'foreign-ca.pem'), key: join(dir, 'foreign-ca-key.pem') };
  createCa({ ...ca, subject: '/O=Someone Else/CN=Another CA', days: 2 });
  const cert = join(dir, 'foreign-client.pem');
  const key = join(dir, 'foreign-client-key.pem');
  issueLeaf({
    ca,
    cert,
    key,
    subject: '/O=Someone Else/CN=alpes-client',
    extensions: [...LEAF_BASE, 'extendedKeyUsage=clientAuth'],
    days: 1,
  });
  return { ca: ca.cert, cert, key };
}

if (require.main === module) {
  const root = process.argv[2] ?? 'data/cluster/tls';
  const tls = ensureClusterTls(root, (line) => process.stdout.write(`${line}\n`));
  process.stdout.write(
    `mTLS material in ${tls.root}: ca/ (keep the key here), server/ (Temporal), client/ (our processes)\n`,
  );
}
