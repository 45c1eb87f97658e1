import { checkAgainstXsd, requireXsdFiles, type XsdVerdict } from '../shared/xml/xsd-check';

/**
 * Checks a received pain.001 against the official pain.001.001.10 XSD with xmllint (libxml2-utils),
 * as a bank's gateway does before reading a file. Without a configured XSD the bank only reads the
 * file (pain001.reader.ts): `schemaChecked` says which.
 */

export type SchemaVerdict = XsdVerdict;

export interface Pain001SchemaValidator {
  readonly schemaChecked: boolean;
  check(xml: string): Promise<SchemaVerdict>;
}

/** A config error at start-up (never at the first file) when the XSD or xmllint is not there. */
export function createPain001SchemaValidator(xsdPath: string | undefined): Pain001SchemaValidator {
  if (xsdPath === undefined) return { schemaChecked: false, check: async () => ({ valid: true }) };
  requireXsdFiles('SANDBOX_BANK_PAIN001_XSD', [xsdPath]);
  return {
    schemaChecked: true,
    check: (xml) => checkAgainstXsd(xsdPath, xml, 'the file does not validate against pain.001.001.10'),
  };
}
