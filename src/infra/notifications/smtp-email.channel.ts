import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import {
  PermanentDeliveryError,
  type DeliveryReceipt,
  type NotificationChannel,
  type OutboundNotification,
} from '../../ports/notification-channel.port';
import { NotificationErrorCodes } from '../../domain/notification.aggregate';

export interface EmailChannelOptions {
  /** nodemailer's URL form (`smtp://user:pass@host:587`, `smtps://host:465`); unset → the outbox. */
  smtpUrl: string | undefined;
  from: string;
  outboxDir: string;
  timeoutMs: number;
}

/** One line for the start banner: where email goes, credentials masked. */
export function describeEmailTransport(opts: Pick<EmailChannelOptions, 'smtpUrl' | 'outboxDir'>): string {
  if (!opts.smtpUrl) {
    return `local outbox ${resolve(opts.outboxDir)} (one .eml file per email; set SMTP_URL to send real email)`;
  }
  try {
    const url = new URL(opts.smtpUrl);
    if (url.password) url.password = '****';
    return `SMTP ${url.toString()}`;
  } catch {
    return 'SMTP (unparseable SMTP_URL)';
  }
}

/** A delivery key made safe for file names and Message-IDs. */
const token = (deliveryKey: string): string => deliveryKey.replace(/[^A-Za-z0-9.-]/g, '-');

/**
 * Email over SMTP with nodemailer, or, with no SMTP server configured (the embedded default),
 * into an outbox folder as `.eml` files a mail client opens. The Message-ID is derived from the
 * delivery key, so a retried send is recognisably the same message.
 */
export class SmtpEmailChannel implements NotificationChannel {
  readonly kind = 'EMAIL' as const;
  private readonly transporter: Transporter;

  constructor(private readonly opts: EmailChannelOptions) {
    this.transporter = opts.smtpUrl
      ? nodemailer.createTransport({
          url: opts.smtpUrl,
          connectionTimeout: opts.timeoutMs,
          greetingTimeout: opts.timeoutMs,
          socketTimeout: opts.timeoutMs,
        })
      : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  async send(message: OutboundNotification): Promise<DeliveryReceipt> {
    const { target } = message;
    if (target.channel !== 'EMAIL') {
      throw new PermanentDeliveryError(NotificationErrorCodes.DELIVERY_REFUSED, 'not an email target');
    }
    const mail = {
      from: this.opts.from,
      to: { name: target.name, address: target.email },
      subject: message.subject,
      text: message.body,
      messageId: `<${token(message.deliveryKey)}@notifications.alpes-partners.dev>`,
      date: new Date(message.createdAt),
      headers: { 'X-Alpes-Notification-Id': message.notificationId },
      attachments: message.attachments?.map((a) => ({
        filename: a.filename,
        contentType: a.contentType,
        content: a.content,
      })),
    };
    try {
      const info = (await this.transporter.sendMail(mail)) as { messageId: string; message?: Buffer };
      if (!this.opts.smtpUrl) await this.writeToOutbox(message, info.message ?? Buffer.alloc(0));
      return { reference: info.messageId };
    } catch (e) {
      const err = e as { permanent?: boolean; responseCode?: number; message?: string };
      // 5xx replies (mailbox unknown, message refused) will be the same on every retry.
      if (err.permanent === true) {
        throw new PermanentDeliveryError(
          NotificationErrorCodes.DELIVERY_REFUSED,
          `SMTP ${err.responseCode ?? ''} ${err.message ?? 'permanent failure'}`.trim(),
        );
      }
      throw e;
    }
  }

  /** Write-then-rename, so a reader never sees half a message and a retry overwrites the same file. */
  private async writeToOutbox(message: OutboundNotification, raw: Buffer): Promise<void> {
    await mkdir(this.opts.outboxDir, { recursive: true });
    const file = join(
      this.opts.outboxDir,
      `${message.createdAt.replace(/[:.]/g, '')}-${token(message.deliveryKey)}.eml`,
    );
    await writeFile(`${file}.tmp`, raw);
    await rename(`${file}.tmp`, file);
  }

  close(): void {
    this.transporter.close();
  }
}
