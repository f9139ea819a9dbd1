import type { ScopedTx } from "../../db/scoped.server";
import type { Identity } from "../../roles/identity";
import { csvRecord, type CsvValue } from "./csv";
import { scopedRead } from "./scoped.server";

/**
 * Exports of everything a filter matches, streamed. Each chunk of rows is a
 * short read of its own as the caller (RLS scopes every one), read only when
 * the response asks for more: a slow client holds no connection, and the
 * server holds a chunk or two whatever the size of the export. The chunks are
 * keyset pages, so none is skipped or repeated, but they are not one snapshot
 * (see docs/decisions/021-streamed-exports.md).
 */

const EXPORT_CHUNK_ROWS = 1_000;

export type ExportFormat = "csv" | "ndjson";

const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  ndjson: "application/x-ndjson; charset=utf-8",
};

/** Column name → its value in a row. An object is JSON text in a CSV cell and stays an object in NDJSON. */
export type Columns<Row> = Record<string, (row: Row) => CsvValue | object>;

interface KeysetChunk<Row, Key> {
  rows: Row[];
  /** Where the next chunk starts; null after the last. */
  next: Key | null;
}

interface ExportSpec<Row, Key> {
  /** Names the file, with the date and the format: `warden-<name>-YYYY-MM-DD.<format>` (a safe ASCII name by construction). */
  name: "todos" | "audit";
  format: ExportFormat;
  columns: Columns<Row>;
  /** At most `limit` rows after `after` (from the start when null), in the order the page lists them. */
  read: (tx: ScopedTx, after: Key | null, limit: number) => Promise<KeysetChunk<Row, Key>>;
  chunkRows?: number;
}

/** A filter the export cannot use: said plainly, since the answer is a download, not a page. */
export const malformedFilter = (message: string) =>
  new Response(message, {
    status: 400,
    headers: {
      "Content-Type": "text/plain; charset=utf-8",
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });

const asCell = (value: CsvValue | object): CsvValue =>
  value !== null && typeof value === "object" ? JSON.stringify(value) : value;

function writer<Row>(
  format: ExportFormat,
  columns: Columns<Row>,
): { head: string; write: (rows: Row[]) => string } {
  const entries = Object.entries(columns);
  if (format === "csv") {
    return {
      head: csvRecord(Object.keys(columns)),
      write: (rows) =>
        rows.map((row) => csvRecord(entries.map(([, value]) => asCell(value(row))))).join(""),
    };
  }
  return {
    head: "",
    write: (rows) =>
      rows
        .map(
          (row) =>
            `${JSON.stringify(Object.fromEntries(entries.map(([name, value]) => [name, value(row)])))}\n`,
        )
        .join(""),
  };
}

/** Once the body has started, a failed chunk can only cut the download short; the server logs why. */
const cutShort = (error: unknown) =>
  error instanceof Response
    ? new Error(`export cut short: a chunk was answered ${error.status}`)
    : error;

/**
 * The export as a response. The first chunk is read before answering, so an
 * ended session or an unreachable database is still answered with its status
 * rather than an empty file.
 */
export async function streamExport<Row, Key>(
  identity: Identity,
  spec: ExportSpec<Row, Key>,
): Promise<Response> {
  const limit = spec.chunkRows ?? EXPORT_CHUNK_ROWS;
  const readChunk = (after: Key | null) =>
    scopedRead(identity, (tx) => spec.read(tx, after, limit));
  const { head, write } = writer(spec.format, spec.columns);
  const first = await readChunk(null);
  let next = first.next;
  let pending: string | null = head + write(first.rows);
  let cancelled = false;
  const encoder = new TextEncoder();
  // highWaterMark 0: no chunk is read ahead of the client.
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (pending === null) {
          const chunk = await readChunk(next).catch((error: unknown) => {
            throw cutShort(error);
          });
          if (cancelled) return;
          pending = write(chunk.rows);
          next = chunk.next;
        }
        controller.enqueue(encoder.encode(pending));
        pending = null;
        if (next === null) controller.close();
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  const filename = `warden-${spec.name}-${new Date().toISOString().slice(0, 10)}.${spec.format}`;
  return new Response(body, {
    headers: {
      "Content-Type": CONTENT_TYPES[spec.format],
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
