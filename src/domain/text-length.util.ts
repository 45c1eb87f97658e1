/**
 * Length in Unicode code points, matching how PostgreSQL counts varchar(n) characters,
 * so a value accepted here never overflows its column (UTF-16 `.length` double-counts emoji).
 */
export const codePointLength = (value: string): number => {
  let count = 0;
  for (const _ of value) count += 1;
  return count;
};
