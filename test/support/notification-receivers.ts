import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { startTestSystem, TEST_SECRETS, type TestSystem } from './system';

/**
 * WEBHOOK_SECRET_KEYS of the test systems (`startTestSystem` lists the same): every notification
 * worker on the shared database must be able to open what the others sealed, or it refuses to start.
 */
export const TEST_WEBHOOK_SECRET_KEYS = [{ id: 'test-webhook-1', key: TEST_SECRETS.webhookSecretKey }];

/** `X-Alpes-Signature: t=<unix s>,v1=<hex>[,v1=<hex>…]`, parsed strictly: the timestamp and every v1 in order. */
export function signaturesOf(header: string): { t: number; v1: string[] } {
  const match = /^t=(\d+)((?:,v1=[0-9a-f]{64})+)$/.exec(header);
  if (!match) throw new Error(`malformed X-Alpes-Signature: ${header}`);
  return { t: Number(match[1]), v1: match[2]!.split(',v1=').slice(1) };
}

export interface ReceivedEmail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  raw: string;
}

/** RFC 2047 encoded words (`=?UTF-8?B?…?=`, `=?UTF-8?Q?…?=`), as nodemailer writes non-ASCII subjects. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, _charset: string, enc: string, data: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : Buffer.from(
            data
              .replace(/_/g, ' ')
              .replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
            'latin1',
          ).toString('utf8'),
    );
}

function decodeBody(headers: string, body: string): string {
  if (/content-transfer-encoding:\s*quoted-printable/i.test(headers)) {
    const bytes = body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  if (/content-transfer-encoding:\s*base64/i.test(headers))
    return Buffer.from(body, 'base64').toString('utf8');
  return body;
}

function parseEmail(raw: string, from: string, to: string[]): ReceivedEmail {
  const split = raw.indexOf('\r\n\r\n') >= 0 ? raw.indexOf('\r\n\r\n') : raw.indexOf('\n\n');
  const head = raw.slice(0, split).replace(/\r?\n[ \t]+/g, ' ');
  const body = raw.slice(split).trim();
  const subject = /^subject:\s*(.*)$/im.exec(head)?.[1] ?? '';
  return { from, to, subject: decodeWords(subject.trim()), text: decodeBody(head, body), raw };
}

/** The attachments of a multipart message, decoded: what a mail client would offer to save. */
export function attachmentsOf(
  raw: string,
): Array<{ filename: string; contentType: string; content: string }> {
  const unfolded = raw.replace(/\r?\n[ \t]+/g, ' ');
  const boundary = /content-type:\s*multipart\/[a-z]+;.*?boundary="?([^";\r\n]+)"?/i.exec(unfolded)?.[1];
  if (!boundary) return [];
  return raw
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => {
      const split = part.indexOf('\r\n\r\n') >= 0 ? part.indexOf('\r\n\r\n') : part.indexOf('\n\n');
      const head = part.slice(0, split).replace(/\r?\n[ \t]+/g, ' ');
      const filename = /filename="?([^";\r\n]+)"?/i.exec(head)?.[1];
      const contentType = /content-type:\s*([^;\r\n]+)/i.exec(head)?.[1] ?? '';
      return filename
        ? { filename, contentType, content: decodeBody(head, part.slice(split).trim()) }
        : undefined;
    })
    .filter((a): a is { filename: string; contentType: string; content: string } => a !== undefined);
}

export interface SmtpReceiverOptions {
  /**
   * Asked once per message after its DATA arrived: true keeps the message but cuts the connection
   * before the 250 reply, so the sender cannot tell it was received (it sends it again).
   */
  dropAfterData?: () => boolean;
}

export interface SmtpReceiver {
  url: string;
  messages: ReceivedEmail[];
  stop(): Promise<void>;
}

/** A real SMTP server on a free port that keeps every message it accepts. */
export async function startSmtpReceiver(options: SmtpReceiverOptions = {}): Promise<SmtpReceiver> {
  const messages: ReceivedEmail[] = [];
  // The session names only the client's port: the sockets by that port, to cut one on purpose.
  const sockets = new Map<number, Socket>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const to = session.envelope.rcptTo.map((r) => r.address);
        messages.push(parseEmail(Buffer.concat(chunks).toString('utf8'), from, to));
        const socket = sockets.get(session.remotePort);
        if (socket && options.dropAfterData?.()) socket.destroy();
        else callback();
      });
    },
  });
  server.server.on('connection', (socket: Socket) => {
    const port = socket.remotePort;
    if (port === undefined) return;
    sockets.set(port, socket);
    socket.once('close', () => sockets.delete(port));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: any;
}

/**
 * A real HTTP webhook receiver. It can be down (nothing listening on its port: connection
 * refused) and brought up later on the same port.
 */
export class WebhookReceiver {
  readonly requests: ReceivedWebhook[] = [];
  private server: Server | undefined;
  status = 204;
  /**
   * Asked per request after it was read and recorded: true leaves it unanswered, so the sender
   * times out and sends it again (accepted, then timed out).
   */
  hang: (() => boolean) | undefined;

  private constructor(readonly port: number) {}

  static async reservePort(): Promise<WebhookReceiver> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    return new WebhookReceiver(port);
  }

  static async start(): Promise<WebhookReceiver> {
    const receiver = await WebhookReceiver.reservePort();
    await receiver.up();
    return receiver;
  }

  url(path = '/hooks/alpes'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async up(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        let body: unknown = undefined;
        try {
          body = JSON.parse(rawBody);
        } catch {
          /* kept raw */
        }
        this.requests.push({ path: req.url ?? '', headers: req.headers, rawBody, body });
        if (this.hang?.()) return;
        res.statusCode = this.status;
        res.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

export interface NotifyingSystem {
  sys: TestSystem;
  smtp: SmtpReceiver;
  receiver: WebhookReceiver;
  stop(): Promise<void>;
}

/**
 * A test system whose partners are told for real: email to an SMTP receiver, webhooks to an HTTP
 * receiver on loopback (allowed here only), retried fast, on a notifications queue of its own.
 * `env` adds to that or overrides it.
 */
export async function startNotifyingSystem(env: Record<string, string> = {}): Promise<NotifyingSystem> {
  const smtp = await startSmtpReceiver();
  const receiver = await WebhookReceiver.start();
  const stopReceivers = async () => {
    await smtp.stop();
    await receiver.down();
  };
  try {
    const sys = await startTestSystem(
      {
        SMTP_URL: smtp.url,
        WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
        WEBHOOK_ALLOW_HTTP: 'true',
        NOTIFICATIONS_TASK_QUEUE: `test-notify-${Math.random().toString(36).slice(2, 8)}`,
        NOTIFICATION_RETRY_INITIAL_INTERVAL: '100ms',
        NOTIFICATION_RETRY_MAX_INTERVAL: '300ms',
        ...env,
      },
      ['bank', 'notifications', 'worker', 'api'],
    );
    return {
      sys,
      smtp,
      receiver,
      stop: async () => {
        await sys.stop();
        await stopReceivers();
      },
    };
  } catch (e) {
    await stopReceivers();
    throw e;
  }
}
