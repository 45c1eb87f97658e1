import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * What every ISO 20022 message we read (pain.002 reports, camt.053/054 statements) needs before its
 * own shape: refuse an empty, DTD-declaring or not well-formed document whole, tell its namespace
 * from the root alone, then parse with every value kept as the string it was ("0012" and "1E5" are
 * ids, amounts are read exactly), and small typed accessors over the result. Each message's parser
 * supplies its typed `malformed` error and the elements that repeat.
 */

export type XmlNode = Record<string, unknown>;

export interface IsoXmlReader {
  /**
   * The Document element of a well-formed document whose root namespace `accept` took (it throws
   * for anything else, before the body is parsed).
   */
  readDocument(xml: string, accept: (namespace: string | null) => void): XmlNode;
  child(node: unknown, name: string): XmlNode | undefined;
  list(node: unknown, name: string): unknown[];
  /** The element's text; null when absent or empty. */
  text(node: unknown, name: string): string | null;
  required(node: unknown, name: string, path: string): string;
  /** A count (NbOfTxs, …): at most 15 digits. */
  count(node: unknown, name: string, path: string): number | null;
}

export interface IsoXmlReaderOptions {
  /** What the document is, in messages: "statement", "status report". */
  what: string;
  /** Elements that may repeat: always read as arrays, even when one is there. */
  repeated: readonly string[];
  malformed: (message: string, details?: Record<string, unknown>) => Error;
  /** The message for a missing required element. */
  missing: (path: string, name: string) => string;
}

// Only the root element and its namespace declarations (its children are left unparsed).
const rootParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  stopNodes: ['*.*'],
});

function rootNamespace(xml: string): string | null {
  const doc = rootParser.parse(xml) as XmlNode;
  const rootName = Object.keys(doc).find((k) => !k.startsWith('?'));
  if (!rootName) return null;
  const [prefix, local] = rootName.includes(':') ? rootName.split(':', 2) : [null, rootName];
  if (local !== 'Document') return null;
  const root = doc[rootName];
  if (typeof root !== 'object' || root === null) return null;
  const ns = (root as XmlNode)[prefix === null ? '@_xmlns' : `@_xmlns:${prefix}`];
  return typeof ns === 'string' ? ns : null;
}

const field = (node: unknown, name: string): unknown =>
  typeof node === 'object' && node !== null ? (node as XmlNode)[name] : undefined;

export function isoXmlReader(options: IsoXmlReaderOptions): IsoXmlReader {
  const { what, malformed } = options;
  const repeated = new Set(options.repeated);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    htmlEntities: true,
    isArray: (name) => repeated.has(name),
  });
  const child = (node: unknown, name: string): XmlNode | undefined => {
    const v = field(node, name);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as XmlNode) : undefined;
  };
  const text = (node: unknown, name: string): string | null => {
    const v = field(node, name);
    return typeof v === 'string' && v !== '' ? v : null;
  };
  return {
    readDocument(xml, accept) {
      if (typeof xml !== 'string' || xml.trim() === '') throw malformed(`the ${what} is empty`);
      // ISO 20022 messages never declare a DTD: refusing one rules out entity-expansion tricks.
      if (/<!DOCTYPE/i.test(xml)) throw malformed(`a ${what} may not declare a DOCTYPE`);
      const wellFormed = XMLValidator.validate(xml);
      if (wellFormed !== true) {
        throw malformed(`the ${what} is not well-formed XML: ${wellFormed.err.msg}`, {
          line: wellFormed.err.line,
          column: wellFormed.err.col,
        });
      }
      accept(rootNamespace(xml));
      const document = child(parser.parse(xml), 'Document');
      if (!document) throw malformed(`the ${what} has no Document`);
      return document;
    },
    child,
    list: (node, name) => {
      const v = field(node, name);
      return Array.isArray(v) ? v : [];
    },
    text,
    required(node, name, path) {
      const v = text(node, name);
      if (v === null) throw malformed(options.missing(path, name), { missing: `${path}/${name}` });
      return v;
    },
    count(node, name, path) {
      const v = text(node, name);
      if (v === null) return null;
      if (!/^[0-9]{1,15}$/.test(v)) throw malformed(`${path}/${name} is not a count`, { value: v });
      return Number(v);
    },
  };
}
