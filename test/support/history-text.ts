/**
 * Every byte field of a workflow history (payload data and metadata, failure details), decoded to
 * text: what someone with access to the Temporal server's database could read. Tests assert that
 * business data is absent from it (the payload codec encrypted it) and that the decoding worked.
 */
export function historyText(history: unknown): string {
  const texts: string[] = [];
  const walk = (node: unknown, key = ''): void => {
    if (node instanceof Uint8Array) texts.push(Buffer.from(node).toString('utf8'));
    else if (typeof node === 'string' && (key === 'data' || key === 'encoding' || key === 'type')) {
      texts.push(Buffer.from(node, 'base64').toString('utf8'));
    } else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, k);
  };
  walk(JSON.parse(JSON.stringify(history)));
  return texts.join('\n');
}
