import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, type Env } from '../config';
import { describeTemporalConnection, temporalConnectionOptions } from './connection-options';

const pem = (label: string, body: string) => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;

describe('the Temporal connection options (one builder for clients and workers)', () => {
  let dir: string;
  let files: { cert: string; key: string; ca: string; notPem: string };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'alpes-tls-'));
    files = {
      cert: join(dir, 'client.pem'),
      key: join(dir, 'client-key.pem'),
      ca: join(dir, 'ca.pem'),
      notPem: join(dir, 'not-pem.txt'),
    };
    writeFileSync(files.cert, pem('CERTIFICATE', 'Y2xpZW50'));
    writeFileSync(files.key, pem('PRIVATE KEY', 'a2V5'));
    writeFileSync(files.ca, pem('CERTIFICATE', 'Y2E='));
    writeFileSync(files.notPem, 'hello');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const optionsFor = (env: Env) => {
    const config = loadConfig({
      TEMPORAL_ADDRESS: 'temporal.example:7233',
      TEMPORAL_NAMESPACE: 'payments',
      ...env,
    });
    const settings = {
      address: config.temporal.address!,
      namespace: config.temporal.namespace,
      security: config.temporal.security,
    };
    return { options: temporalConnectionOptions(settings), described: describeTemporalConnection(settings) };
  };

  it('is plaintext with nothing set (the dev server)', () => {
    const { options, described } = optionsFor({});
    expect(options).toEqual({ address: 'temporal.example:7233' });
    expect(described).toBe('temporal.example:7233 namespace=payments plaintext');
  });

  it('gives mTLS: the server CA, the client certificate pair and the server name, read from the files', () => {
    const { options, described } = optionsFor({
      TEMPORAL_TLS_CERT: files.cert,
      TEMPORAL_TLS_KEY: files.key,
      TEMPORAL_TLS_CA: files.ca,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    });
    expect(options).toEqual({
      address: 'temporal.example:7233',
      tls: {
        serverNameOverride: 'localhost',
        serverRootCACertificate: Buffer.from(pem('CERTIFICATE', 'Y2E=')),
        clientCertPair: {
          crt: Buffer.from(pem('CERTIFICATE', 'Y2xpZW50')),
          key: Buffer.from(pem('PRIVATE KEY', 'a2V5')),
        },
      },
    });
    expect(described).toBe('temporal.example:7233 namespace=payments mTLS');
  });

  it('gives server-only TLS with just a CA (or just a server name)', () => {
    expect(optionsFor({ TEMPORAL_TLS_CA: files.ca }).options.tls).toEqual({
      serverRootCACertificate: expect.any(Buffer),
    });
    expect(optionsFor({ TEMPORAL_TLS_SERVER_NAME: 'temporal' }).options.tls).toEqual({
      serverNameOverride: 'temporal',
    });
  });

  it('turns TLS on with an API key (Temporal Cloud), with the namespace header and the system roots', () => {
    const apiKey = 'eyJhbGciOiJFUzI1NiJ9.Zm9vYmFyYmF6cXV4.c2lnbmF0dXJlLXBhcnQtb2YtdGhlLWtleQ';
    const { options, described } = optionsFor({ TEMPORAL_API_KEY: apiKey });
    expect(options).toEqual({
      address: 'temporal.example:7233',
      tls: true,
      apiKey,
      metadata: { 'temporal-namespace': 'payments' },
    });
    expect(described).toBe('temporal.example:7233 namespace=payments TLS API key');
    expect(described).not.toContain(apiKey);
  });

  it('allows an API key together with TLS settings (Cloud with a private CA or mTLS besides)', () => {
    const apiKey = 'eyJhbGciOiJFUzI1NiJ9.Zm9vYmFyYmF6cXV4.c2lnbmF0dXJlLXBhcnQtb2YtdGhlLWtleQ';
    const { options } = optionsFor({ TEMPORAL_API_KEY: apiKey, TEMPORAL_TLS_CA: files.ca });
    expect(options.tls).toEqual({ serverRootCACertificate: expect.any(Buffer) });
    expect(options.apiKey).toBe(apiKey);
  });

  it('refuses, naming the variable, a file that vanished or is not PEM by the time it connects', () => {
    const gone = join(dir, 'gone.pem');
    writeFileSync(gone, pem('CERTIFICATE', 'eA=='));
    const config = loadConfig({ TEMPORAL_ADDRESS: 'x:7233', TEMPORAL_TLS_CA: gone });
    rmSync(gone);
    const settings = { address: 'x:7233', namespace: 'default', security: config.temporal.security };
    expect(() => temporalConnectionOptions(settings)).toThrow(ConfigError);
    expect(() => temporalConnectionOptions(settings)).toThrow(
      /TEMPORAL_TLS_CA: cannot read .*gone\.pem \(no such file\)/,
    );
    const notPem = loadConfig({ TEMPORAL_ADDRESS: 'x:7233', TEMPORAL_TLS_CA: files.notPem });
    expect(() =>
      temporalConnectionOptions({
        address: 'x:7233',
        namespace: 'default',
        security: notPem.temporal.security,
      }),
    ).toThrow(/TEMPORAL_TLS_CA: .*not-pem\.txt is not a PEM file/);
  });

  describe('config', () => {
    const refusal = (env: Env): string => {
      try {
        loadConfig({ TEMPORAL_ADDRESS: 'x:7233', ...env });
        return '';
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
    };

    it('requires the certificate and its key together', () => {
      expect(refusal({ TEMPORAL_TLS_CERT: files.cert })).toMatch(
        /TEMPORAL_TLS_KEY: required with TEMPORAL_TLS_CERT/,
      );
      expect(refusal({ TEMPORAL_TLS_KEY: files.key })).toMatch(
        /TEMPORAL_TLS_CERT: required with TEMPORAL_TLS_KEY/,
      );
      expect(refusal({ TEMPORAL_TLS_CERT: files.cert, TEMPORAL_TLS_KEY: files.key })).toBe('');
    });

    it('names the variable of a missing or unreadable file, with its path', () => {
      const missing = join(dir, 'nope.pem');
      expect(refusal({ TEMPORAL_TLS_CA: missing })).toMatch(/TEMPORAL_TLS_CA: no such file \(.*nope\.pem\)/);
      expect(refusal({ TEMPORAL_TLS_CERT: missing, TEMPORAL_TLS_KEY: files.key })).toMatch(
        /TEMPORAL_TLS_CERT: no such file/,
      );
      expect(refusal({ TEMPORAL_TLS_CERT: files.cert, TEMPORAL_TLS_KEY: dir })).toMatch(
        /TEMPORAL_TLS_KEY: not a file/,
      );
      if (process.getuid?.() !== 0) {
        const locked = join(dir, 'locked.pem');
        writeFileSync(locked, pem('CERTIFICATE', 'eA=='));
        chmodSync(locked, 0o000);
        expect(refusal({ TEMPORAL_TLS_CA: locked })).toMatch(/TEMPORAL_TLS_CA: not readable/);
      }
      // Container paths in the compose file are checked by the deployment test, not on this machine.
      expect(
        loadConfig({ TEMPORAL_ADDRESS: 'x:7233', TEMPORAL_TLS_CA: missing }, { checkFiles: false }).temporal
          .security.tls?.caFile,
      ).toBe(missing);
    });

    it('refuses TLS or an API key without TEMPORAL_ADDRESS (the launcher’s dev server is plaintext)', () => {
      expect(() => loadConfig({ TEMPORAL_TLS_CA: files.ca })).toThrow(
        /TEMPORAL_ADDRESS: required with TEMPORAL_TLS_/,
      );
      expect(() =>
        loadConfig({ TEMPORAL_API_KEY: 'eyJhbGciOiJFUzI1NiJ9.Zm9vYmFyYmF6cXV4.c2lnbmF0dXJl' }),
      ).toThrow(/TEMPORAL_ADDRESS/);
    });

    it('refuses a placeholder API key', () => {
      expect(refusal({ TEMPORAL_API_KEY: 'change-me' })).toMatch(/TEMPORAL_API_KEY:/);
      expect(refusal({ TEMPORAL_API_KEY: '<your Temporal Cloud API key>' })).toMatch(/TEMPORAL_API_KEY:/);
    });

    it('keeps nothing when nothing is set', () => {
      expect(loadConfig({}).temporal.security).toEqual({ tls: undefined, apiKey: undefined });
    });
  });
});
