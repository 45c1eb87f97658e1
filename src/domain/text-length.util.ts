/**
 * Length in Unicode code points, matching how PostgreSQL counts varchar(n) characters,
 * so a value accepted here never overflows its column (UTF-16 `.length` double-counts emoji).
 */
export const codePointLength = (value: string): number => {
  let count = 0;
  for (const _ of value) count += 1;
  return count;
};

/** Text cut to at most `max` code points, an ellipsis marking the cut (never splits a character). */
export const clampText = (text: string, max: number): string =>
  text.length <= max
    ? text
    : `${Array.from(text)
        .slice(0, max - 1)
        .join('')}…`;
