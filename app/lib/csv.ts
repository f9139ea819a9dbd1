/**
 * CSV as RFC 4180 writes it (CRLF between records; a field holding a quote,
 * a comma, CR or LF is quoted, its quotes doubled), made safe to open in a
 * spreadsheet: a text cell that starts like a formula (`=`, `+`, `-`, `@`,
 * or a tab or CR, per OWASP) is written with a leading `'`, so Excel and
 * LibreOffice show it as text instead of running it.
 */

export type CsvValue = string | number | null;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: CsvValue): string {
  if (value === null) return "";
  // A number cannot carry a formula and is written as it is (the exports'
  // numbers are ids, all positive). Text is neutralised whatever follows the
  // sign: a task "-5 apples" comes out as "'-5 apples", which is fine.
  const text =
    typeof value === "number" ? String(value) : FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvRecord = (values: readonly CsvValue[]): string =>
  `${values.map(csvCell).join(",")}\r\n`;
