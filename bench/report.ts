import { appendFileSync } from "node:fs";

/**
 * The one shape every benchmark reports in. A row is a ratio (or a count)
 * measured side by side, with one sample per round; `npm run bench` collects
 * the rows of every benchmark (through the file named by BENCH_REPORT) and
 * prints them as one table.
 */
export interface BenchRow {
  /** What was compared, e.g. "member's first page: RLS / by hand". */
  name: string;
  /** One value per round (at least 3). */
  samples: number[];
  /** How a value reads: "×" for ratios, or a unit such as "ms", "MB", "round trips". */
  unit: string;
  /** The contract, e.g. "≤ 1.10" or "≥ 0.5"; checked against the median. */
  target?: { op: "≤" | "≥"; value: number };
}

interface Summary {
  min: number;
  median: number;
  max: number;
}

export function summarize(samples: number[]): Summary {
  if (samples.length === 0) throw new Error("no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { min: sorted[0], median, max: sorted[sorted.length - 1] };
}

const meets = (row: BenchRow): boolean | null => {
  if (!row.target) return null;
  const { median } = summarize(row.samples);
  return row.target.op === "≤" ? median <= row.target.value : median >= row.target.value;
};

const format = (value: number, unit: string) => {
  if (unit === "×") return `${value.toFixed(2)}×`;
  const digits = Number.isInteger(value)
    ? 0
    : Math.abs(value) >= 100
      ? 0
      : Math.abs(value) >= 10
        ? 1
        : 2;
  return `${value.toFixed(digits)} ${unit}`;
};

export function formatTable(rows: BenchRow[]): string {
  const header = ["measure", "min", "median", "max", "target", "met", "rounds"];
  const lines = rows.map((row) => {
    const { min, median, max } = summarize(row.samples);
    const met = meets(row);
    return [
      row.name,
      format(min, row.unit),
      format(median, row.unit),
      format(max, row.unit),
      row.target ? `${row.target.op} ${format(row.target.value, row.unit)}` : "",
      met === null ? "" : met ? "yes" : "NO",
      String(row.samples.length),
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => line[column].length)),
  );
  const render = (cells: string[]) =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]),
      )
      .join("  ");
  return [
    render(header),
    widths.map((width) => "-".repeat(width)).join("  "),
    ...lines.map(render),
  ].join("\n");
}

/** Prints the rows and, under `npm run bench`, hands them to the collector. */
export function report(rows: BenchRow[]) {
  console.log(`\n${formatTable(rows)}`);
  const file = process.env.BENCH_REPORT;
  if (file) appendFileSync(file, rows.map((row) => JSON.stringify(row)).join("\n") + "\n");
}
