import { parse, type CsvError } from 'csv-parse';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { ProblemError } from '../shared/http/problem';
import {
  CommissionImport,
  type ImportLimits,
  type ImportReport,
} from '../application/commission/import-commissions';
import { schemaRefusal } from './commission-view';
import {
  COMMISSION_CSV_COLUMNS,
  COMMISSION_CSV_REQUIRED_COLUMNS,
  commissionCsvRow,
  commissionInput,
} from './commission.schemas';

const tooManyRows = (max: number): string =>
  `an import reads at most ${max} rows: row ${max + 1} and everything after it was not read; ` +
  'import the rest as another file';

/**
 * Imports a stream of commissions row by row: each row is validated on its own, good rows are
 * accrued a batch per transaction (idempotent by externalRef, as POST /commissions), bad rows are
 * refused with their row number. Memory stays flat: at most one batch and one record are held.
 * Leaves the unread rest of `source` (after truncation or a fatal CSV error) to the caller.
 */
export async function importCommissions(
  run: CommissionImport,
  source: Readable,
  format: ImportFormat,
  limits: ImportLimits,
): Promise<ImportReport> {
  const end = format === 'csv' ? await readCsv(source, run, limits) : await readNdjson(source, run, limits);
  await run.flush();
  if (end.kind === 'malformed') {
    throw new ProblemError(
      400,
      'Malformed CSV',
      `row ${end.row}: ${end.message}. The rest of the input was not read; the rows before it were ` +
        'processed (see `report`) and may be sent again: they are recognised by externalRef',
      { code: 'IMPORT.MALFORMED_CSV', row: end.row, report: run.report(null) },
    );
  }
  return run.report(end.kind === 'truncated' ? tooManyRows(limits.maxRows) : null);
}

export type ImportFormat = 'csv' | 'ndjson';
export type { ImportLimits, ImportReport };

/** How reading ended: at the end of the input, at the row limit, or at a CSV error it cannot read past. */
type ReadEnd = { kind: 'end' } | { kind: 'truncated' } | { kind: 'malformed'; row: number; message: string };

// ---------------------------------------------------------------------------------------------- NDJSON

/** Lines of the stream, without their terminator; a line past `maxChars` is reported, not kept. */
async function* lines(source: Readable, maxChars: number): AsyncGenerator<string | { tooLong: true }> {
  const decoder = new StringDecoder('utf8');
  let buffer = '';
  let discarding = false;
  // Leaving the loop early must not destroy the request: the answer still goes out on its socket.
  for await (const chunk of source.iterator({ destroyOnReturn: false })) {
    buffer += decoder.write(chunk as Buffer);
    let start = 0;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n', start)) {
      const line = buffer.slice(start, nl);
      start = nl + 1;
      if (discarding || line.length > maxChars) {
        discarding = false;
        yield { tooLong: true };
      } else yield line;
    }
    buffer = buffer.slice(start);
    if (buffer.length > maxChars) {
      discarding = true;
      buffer = '';
    }
  }
  buffer += decoder.end();
  if (discarding) yield { tooLong: true };
  else if (buffer !== '') yield buffer;
}

async function readNdjson(source: Readable, run: CommissionImport, limits: ImportLimits): Promise<ReadEnd> {
  let row = 0;
  for await (const line of lines(source, limits.maxRecordChars)) {
    const text = typeof line === 'string' ? line.replace(/^\uFEFF/, '').trim() : undefined;
    if (text === '') continue;
    row += 1;
    if (row > limits.maxRows) return { kind: 'truncated' };
    if (text === undefined) {
      run.refuse(row, 'IMPORT.LINE_TOO_LONG', `line is longer than ${limits.maxRecordChars} characters`);
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      run.refuse(row, 'IMPORT.MALFORMED_JSON', 'not a JSON object');
      continue;
    }
    const parsed = commissionInput.safeParse(value);
    await run.add(row, parsed.success ? { request: parsed.data } : schemaRefusal(parsed.error, value));
  }
  return { kind: 'end' };
}

// ------------------------------------------------------------------------------------------------- CSV

/**
 * Parser errors after which the parser's position in the file can no longer be trusted (a quote
 * that swallows the rest, an oversized record): rows after them would be silently lost or garbled,
 * so the import stops there. Other record errors refuse just their row.
 */
const FATAL_CSV_ERRORS = new Set([
  'CSV_QUOTE_NOT_CLOSED',
  'CSV_INVALID_CLOSING_QUOTE',
  'CSV_MAX_RECORD_SIZE',
]);

function headerProblem(names: readonly string[]): string | undefined {
  const unknown = names.filter((n) => !COMMISSION_CSV_COLUMNS.includes(n));
  const missing = COMMISSION_CSV_REQUIRED_COLUMNS.filter((c) => !names.includes(c));
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  const problems = [
    ...(missing.length ? [`missing column(s) ${missing.join(', ')}`] : []),
    ...(unknown.length ? [`unknown column(s) ${unknown.map((n) => JSON.stringify(n)).join(', ')}`] : []),
    ...(repeated.length ? [`repeated column(s) ${repeated.join(', ')}`] : []),
  ];
  return problems.length
    ? `${problems.join('; ')} (expected ${COMMISSION_CSV_COLUMNS.join(',')}; description is optional)`
    : undefined;
}

const invalidHeader = (detail: string): ProblemError =>
  new ProblemError(400, 'Invalid CSV header', detail, { code: 'IMPORT.INVALID_HEADER' });

const isCsvError = (e: unknown): e is CsvError =>
  e instanceof Error && typeof (e as { code?: unknown }).code === 'string' && 'lines' in e;

async function readCsv(source: Readable, run: CommissionImport, limits: ImportLimits): Promise<ReadEnd> {
  let headerRead = false;
  let headerError: string | undefined;
  let row = 0;
  // Record errors are reported synchronously while parsing, records through the stream: the queue
  // lets each error be handled in row order with the records around it.
  const skipped: Array<{ row: number; error: CsvError }> = [];
  const parser = parse({
    bom: true,
    columns: (names: string[]) => {
      headerRead = true;
      const trimmed = names.map((n) => String(n).trim());
      headerError = headerProblem(trimmed);
      return trimmed;
    },
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: limits.maxRecordChars,
    on_record: (record: Record<string, string>) => ({ row: ++row, record }),
    on_skip: (error: CsvError | undefined) => {
      if (error) skipped.push({ row: ++row, error });
    },
  });
  const failed = (e: Error) => parser.destroy(e);
  // A client that disconnects mid-upload may close the request without an error: never wait forever.
  const closed = () => {
    if (!source.readableEnded) parser.destroy(new Error('the request closed before its end'));
  };
  source.on('error', failed);
  source.on('close', closed);
  source.pipe(parser);

  /** Handles the parser's errors on rows before `before`; answers how reading ends, if it must. */
  const handleSkips = (before: number): ReadEnd | undefined => {
    while (skipped.length > 0 && skipped[0]!.row < before) {
      const { row: at, error } = skipped.shift()!;
      if (!headerRead) throw invalidHeader(`the header line cannot be read: ${error.message}`);
      if (at > limits.maxRows) return { kind: 'truncated' };
      if (FATAL_CSV_ERRORS.has(error.code)) return { kind: 'malformed', row: at, message: error.message };
      run.refuse(at, `IMPORT.${error.code.replace(/^CSV_/, '')}`, error.message);
    }
    return undefined;
  };

  try {
    for await (const { row: at, record } of parser as AsyncIterable<{
      row: number;
      record: Record<string, string>;
    }>) {
      // The header comes first: a bad one refuses the whole import before anything is written.
      if (headerError) throw invalidHeader(headerError);
      const end = handleSkips(at) ?? (at > limits.maxRows ? ({ kind: 'truncated' } as const) : undefined);
      if (end) return end;
      const parsed = commissionCsvRow.safeParse(record);
      await run.add(at, parsed.success ? { request: parsed.data } : schemaRefusal(parsed.error, record));
    }
    if (headerError) throw invalidHeader(headerError);
    return handleSkips(Number.POSITIVE_INFINITY) ?? { kind: 'end' };
  } catch (e) {
    if (!isCsvError(e)) throw e;
    return { kind: 'malformed', row: row + 1, message: e.message };
  } finally {
    source.off('error', failed);
    source.off('close', closed);
    source.unpipe(parser);
    parser.destroy();
  }
}
