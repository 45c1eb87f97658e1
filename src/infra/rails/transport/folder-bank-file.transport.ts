import { randomUUID } from 'node:crypto';
import { link, mkdir, open, readFile, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  BankFileTransport,
  OutgoingBankFile,
  ReportBatch,
  SubmitResult,
} from '../../../ports/bank-file-transport.port';
import { TransientTransportError, checkedMessageId } from './bank-file-transport.errors';

export interface FolderBankFileTransportOptions {
  /** Where files for the bank go (the bank's inbox). */
  outbox: string;
  /** Where the bank's reports arrive (the bank's outbox). */
  inbox: string;
  /** One entry per MsgId ever submitted; default `<outbox>/.sent` (the bank reads only `*.xml` files). */
  sentDir?: string;
  /** Reports read per fetch. */
  batchSize?: number;
}

/**
 * Host-to-host over shared folders. A file is written under a dot-name and renamed to
 * `<MsgId>.xml`, so the bank never reads half of one. Before the rename the file is hard-linked into
 * `sentDir` under its MsgId: the link is the claim (it fails if the MsgId was ever submitted), made
 * atomically, so two submissions of one MsgId can never both reach the bank — even after the bank
 * has moved the first one away. Reports are read in name order (the bank names them so); the
 * cursor is the last name read.
 */
export class FolderBankFileTransport implements BankFileTransport {
  private readonly sentDir: string;
  private readonly batchSize: number;
  private ready: Promise<void> | undefined;

  constructor(private readonly options: FolderBankFileTransportOptions) {
    this.sentDir = options.sentDir ?? join(options.outbox, '.sent');
    this.batchSize = options.batchSize ?? 100;
  }

  /** Submissions in flight, by MsgId: one at a time per id in this process (see finishInterrupted). */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  async submit(file: OutgoingBankFile): Promise<SubmitResult> {
    const msgId = checkedMessageId(file.msgId);
    const before = this.inFlight.get(msgId) ?? Promise.resolve();
    const mine = before.catch(() => undefined).then(() => this.submitOnce(msgId, file.xml));
    this.inFlight.set(msgId, mine);
    try {
      return await mine;
    } finally {
      if (this.inFlight.get(msgId) === mine) this.inFlight.delete(msgId);
    }
  }

  private async submitOnce(msgId: string, xml: string): Promise<SubmitResult> {
    await this.dirs();
    const tmp = join(this.options.outbox, `.${msgId}.${randomUUID()}.tmp`);
    const claim = join(this.sentDir, `${msgId}.xml`);
    try {
      const handle = await open(tmp, 'wx');
      try {
        await handle.writeFile(xml, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await link(tmp, claim);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        await unlink(tmp);
        if (await this.finishInterrupted(msgId, claim)) return { kind: 'accepted', msgId, fileId: null };
        return { kind: 'duplicate', msgId, detail: `a file with MsgId ${msgId} was submitted before` };
      }
      try {
        await rename(tmp, join(this.options.outbox, `${msgId}.xml`));
      } catch (err) {
        // Another process took our claimed file for an interrupted one and sent it: it went once.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        return {
          kind: 'duplicate',
          msgId,
          detail: `the file with MsgId ${msgId} was sent by a concurrent submission`,
        };
      }
      return { kind: 'accepted', msgId, fileId: null };
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw new TransientTransportError(
        `folder transport: writing ${msgId}.xml failed: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }

  /**
   * A submission that stopped between its claim and its rename left its temporary file (the claim's
   * other link) behind, unsent: finish it rather than call the file a duplicate.
   */
  private async finishInterrupted(msgId: string, claim: string): Promise<boolean> {
    const { ino } = await stat(claim);
    for (const name of await readdir(this.options.outbox)) {
      if (!name.startsWith(`.${msgId}.`) || !name.endsWith('.tmp')) continue;
      const path = join(this.options.outbox, name);
      try {
        if ((await stat(path)).ino !== ino) continue;
        await rename(path, join(this.options.outbox, `${msgId}.xml`));
        return true;
      } catch (err) {
        // Gone meanwhile: its own submission (in another process) has just sent it.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw err;
      }
    }
    return false;
  }

  async fetchReports(cursor: string | null): Promise<ReportBatch> {
    try {
      await this.dirs();
      const names = (await readdir(this.options.inbox, { withFileTypes: true }))
        .filter((e) => e.isFile() && e.name.endsWith('.xml') && !e.name.startsWith('.'))
        .map((e) => e.name)
        .filter((n) => cursor === null || n > cursor)
        .sort()
        .slice(0, this.batchSize);
      const reports = await Promise.all(
        names.map(async (name) => ({
          id: name.slice(0, -'.xml'.length),
          xml: await readFile(join(this.options.inbox, name), 'utf8'),
        })),
      );
      return { reports, cursor: names.at(-1) ?? cursor };
    } catch (err) {
      throw new TransientTransportError(
        `folder transport: reading reports failed: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }

  private dirs(): Promise<void> {
    this.ready ??= Promise.all(
      [this.options.outbox, this.options.inbox, this.sentDir].map((d) => mkdir(d, { recursive: true })),
    ).then(() => undefined);
    // A failed attempt is not remembered: the next call tries again.
    this.ready.catch(() => {
      this.ready = undefined;
    });
    return this.ready;
  }
}
