import { link, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderBankFileTransport } from './folder-bank-file.transport';

describe('FolderBankFileTransport', () => {
  let dir: string;
  let outbox: string;
  let inbox: string;
  let transport: FolderBankFileTransport;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'alpes-folder-transport-'));
    outbox = join(dir, 'out');
    inbox = join(dir, 'in');
    transport = new FolderBankFileTransport({ outbox, inbox, batchSize: 2 });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes <MsgId>.xml and refuses the MsgId ever after, even once the bank has taken the file away', async () => {
    expect(await transport.submit({ msgId: 'MSG-1', xml: '<a/>' })).toEqual({
      kind: 'accepted',
      msgId: 'MSG-1',
      fileId: null,
    });
    expect(await readFile(join(outbox, 'MSG-1.xml'), 'utf8')).toBe('<a/>');
    await rm(join(outbox, 'MSG-1.xml'));
    expect(await transport.submit({ msgId: 'MSG-1', xml: '<b/>' })).toMatchObject({ kind: 'duplicate' });
    // No temporary file left behind, nothing new for the bank.
    expect((await readdir(outbox)).sort()).toEqual(['.sent']);
  });

  it('two concurrent submissions of one MsgId: one is accepted, the other is a duplicate', async () => {
    const results = await Promise.all([1, 2, 3].map(() => transport.submit({ msgId: 'MSG-2', xml: '<a/>' })));
    expect(results.map((r) => r.kind).sort()).toEqual(['accepted', 'duplicate', 'duplicate']);
  });

  it('two transports (processes) on one folder: each MsgId goes out once, exactly one is told accepted', async () => {
    const other = new FolderBankFileTransport({ outbox, inbox });
    for (let i = 0; i < 20; i++) {
      const msgId = `MSG-RACE-${i}`;
      const results = await Promise.all(
        [transport, other].map((t) => t.submit({ msgId, xml: `<a i="${i}"/>` })),
      );
      expect(results.map((r) => r.kind).sort()).toEqual(['accepted', 'duplicate']);
    }
    const files = (await readdir(outbox)).filter((n) => !n.startsWith('.'));
    expect(files).toHaveLength(20);
  });

  it('finishes a submission interrupted between its claim and its rename', async () => {
    await transport.submit({ msgId: 'MSG-0', xml: '<warm-up/>' });
    const tmp = join(outbox, '.MSG-3.crashed.tmp');
    await writeFile(tmp, '<a/>');
    await link(tmp, join(outbox, '.sent', 'MSG-3.xml'));
    expect(await transport.submit({ msgId: 'MSG-3', xml: '<a/>' })).toMatchObject({ kind: 'accepted' });
    expect(await readFile(join(outbox, 'MSG-3.xml'), 'utf8')).toBe('<a/>');
  });

  it('refuses a MsgId that cannot be a file name', async () => {
    await expect(transport.submit({ msgId: '../x', xml: '<a/>' })).rejects.toMatchObject({
      code: 'BANK_FILE.INVALID_MESSAGE_ID',
    });
  });

  it('reads reports in name order from a cursor, ignoring files still being written', async () => {
    await transport.fetchReports(null);
    for (const n of ['003', '001', '002']) await writeFile(join(inbox, `${n}-r.xml`), `<r n="${n}"/>`);
    await writeFile(join(inbox, '.004-r.xml.tmp'), 'half');
    const first = await transport.fetchReports(null);
    expect(first).toEqual({
      reports: [
        { id: '001-r', xml: '<r n="001"/>' },
        { id: '002-r', xml: '<r n="002"/>' },
      ],
      cursor: '002-r.xml',
    });
    const second = await transport.fetchReports(first.cursor);
    expect(second.reports.map((r) => r.id)).toEqual(['003-r']);
    expect(await transport.fetchReports(second.cursor)).toEqual({ reports: [], cursor: second.cursor });
  });
});
