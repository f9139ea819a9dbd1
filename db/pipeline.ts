import { createHash } from "node:crypto";
import { types as driverTypes, type PoolClient } from "@neondatabase/serverless";

/**
 * Several parameterised statements in one round trip: Parse/Bind/Describe/
 * Execute for each, then a single Sync, written as one frame. Postgres runs
 * everything before the Sync in one implicit transaction (or inside the
 * caller's explicit BEGIN), answers all of it together, and on the first
 * error skips the rest up to the Sync and rolls the implicit transaction
 * back. Values travel as bind parameters, never inside the SQL text.
 *
 * It is handed to the driver's client as a "submittable" (the hook pg-cursor
 * uses), so the client's own queue keeps it in order with every other query
 * on the connection.
 *
 * Each statement is prepared once per connection, under a name derived from
 * its text: planning the page query costs more than running it, and a
 * prepared statement skips parsing and rewriting every time and, once
 * Postgres settles on a generic plan, planning too. Plans hold no claims:
 * the policies read them at execution, through STABLE functions.
 */

type TypeParser = (value: string) => unknown;

export interface Statement {
  text: string;
  values?: readonly unknown[];
  /** drizzle's mapped selects read rows as arrays, so duplicate column names survive. */
  rowMode?: "array";
  types?: { getTypeParser(oid: number, format?: string): TypeParser };
}

export interface StatementResult {
  command: string;
  rowCount: number | null;
  rows: unknown[];
  fields: { name: string; dataTypeID: number }[];
}

interface Field {
  name: string;
  dataTypeID: number;
  parse: TypeParser;
}

interface Connection {
  stream: { write(chunk: Uint8Array): boolean };
  close(message: { type: "S"; name: string }): void;
  parse(message: { text: string; name: string; types: number[] }): void;
  bind(message: { portal: string; statement: string; values: unknown[]; binary: boolean }): void;
  describe(message: { type: "P"; name: string }): void;
  execute(message: { portal: string; rows: number }): void;
  sync(): void;
}

const identity: TypeParser = (value) => value;

/** Statement names prepared on each connection (the map dies with the connection, and with it the session's statements). */
const prepared = new WeakMap<Connection, Set<string>>();
/** Beyond this many distinct statements a connection prepares no more; the rest go unnamed, parsed each time. */
const PREPARED_PER_CONNECTION = 500;

const statementName = (text: string) =>
  `w_${createHash("sha256").update(text).digest("base64url").slice(0, 24)}`;

class Pipeline {
  private readonly results: StatementResult[] = [];
  private fields: Field[] = [];
  private rows: unknown[] = [];
  private failure: Error | undefined;
  private connection: Connection | undefined;
  /** Names this pipeline prepares, by statement index: they count as prepared only once Postgres has got that far. */
  private preparing = new Map<number, string>();
  readonly done: Promise<StatementResult[]>;
  private settle!: { resolve(results: StatementResult[]): void; reject(error: Error): void };

  constructor(private readonly statements: readonly Statement[]) {
    this.done = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
  }

  submit(connection: Connection): Error | undefined {
    let values: unknown[][];
    try {
      values = this.statements.map((statement) => (statement.values ?? []).map(prepareValue));
    } catch (error) {
      return error as Error;
    }
    // One write per round trip: without write coalescing (off on loopback)
    // each protocol message would otherwise go out as a frame of its own.
    const { stream } = connection;
    const chunks: Uint8Array[] = [];
    const write = stream.write;
    stream.write = (chunk: Uint8Array) => (chunks.push(chunk), true);
    this.connection = connection;
    let names = prepared.get(connection);
    if (!names) prepared.set(connection, (names = new Set()));
    const preparingNow = new Set<string>();
    try {
      this.statements.forEach((statement, index) => {
        let name = statementName(statement.text);
        if (!names.has(name) && !preparingNow.has(name)) {
          if (names.size + this.preparing.size < PREPARED_PER_CONNECTION) {
            // A pipeline that failed after this Parse left the name taken, unrecorded: Close first (a no-op when it does not exist).
            connection.close({ type: "S", name });
            connection.parse({ text: statement.text, name, types: [] });
            this.preparing.set(index, name);
            preparingNow.add(name);
          } else {
            name = "";
            connection.parse({ text: statement.text, name, types: [] });
          }
        }
        connection.bind({ portal: "", statement: name, values: values[index], binary: false });
        connection.describe({ type: "P", name: "" });
        connection.execute({ portal: "", rows: 0 });
      });
      connection.sync();
    } finally {
      stream.write = write;
    }
    stream.write(Buffer.concat(chunks));
    return undefined;
  }

  private get current(): Statement {
    return this.statements[this.results.length];
  }

  handleRowDescription(message: { fields: { name: string; dataTypeID: number }[] }) {
    const types = this.current.types ?? driverTypes;
    this.fields = message.fields.map(({ name, dataTypeID }) => ({
      name,
      dataTypeID,
      parse: types.getTypeParser(dataTypeID, "text") ?? identity,
    }));
  }

  handleDataRow(message: { fields: (string | null)[] }) {
    const values = message.fields.map((raw, index) =>
      raw === null ? null : this.fields[index].parse(raw),
    );
    if (this.current.rowMode === "array") this.rows.push(values);
    else
      this.rows.push(
        Object.fromEntries(this.fields.map((field, index) => [field.name, values[index]])),
      );
  }

  handleCommandComplete(message: { text: string }) {
    const [command, ...counts] = message.text.split(" ");
    const last = counts.at(-1);
    this.finish(command, last !== undefined && /^\d+$/.test(last) ? Number(last) : null);
  }

  handleEmptyQuery() {
    this.finish("", null);
  }

  private finish(command: string, rowCount: number | null) {
    this.results.push({
      command,
      rowCount,
      rows: this.rows,
      fields: this.fields.map(({ name, dataTypeID }) => ({ name, dataTypeID })),
    });
    this.rows = [];
    this.fields = [];
  }

  /** A server error (then the client waits for ReadyForQuery itself) or a lost connection: either way the pipeline is over. */
  handleError(error: Error) {
    // Statements before the failing one were parsed; it and those after it may not have been.
    this.recordPrepared(this.results.length);
    // The driver's own error, SQLSTATE and constraint included, as a single query would have rejected with.
    this.failure ??= error;
    this.settle.reject(this.failure);
  }

  private recordPrepared(upTo: number) {
    const names = this.connection && prepared.get(this.connection);
    for (const [index, name] of this.preparing) if (index < upTo) names?.add(name);
    this.preparing.clear();
  }

  handleReadyForQuery() {
    if (this.failure) return;
    this.recordPrepared(this.statements.length);
    if (this.results.length !== this.statements.length) {
      this.settle.reject(
        new Error(
          `the pipeline ended after ${this.results.length} of ${this.statements.length} statements`,
        ),
      );
      return;
    }
    this.settle.resolve(this.results);
  }

  handlePortalSuspended() {}

  // COPY is never pipelined; answering it would hang the connection.
  handleCopyInResponse() {
    this.handleError(new Error("COPY is not supported in a pipeline"));
  }

  handleCopyData() {}
}

/** Runs the statements in one round trip on a checked-out client; results in order, or the first error. */
export function runPipeline(
  client: PoolClient,
  statements: readonly Statement[],
): Promise<StatementResult[]> {
  if (statements.length === 0) return Promise.resolve([]);
  const pipeline = new Pipeline(statements);
  (client as unknown as { query(submittable: Pipeline): void }).query(pipeline);
  return pipeline.done;
}

/**
 * Bind values as the driver would send them (pg's prepareValue): text for
 * everything but bytes. Dates go as ISO instants; arrays as Postgres array
 * literals; plain objects as JSON.
 */
function prepareValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value;
  if (ArrayBuffer.isView(value))
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return arrayLiteral(value);
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "bigint":
    case "boolean":
      return String(value);
    case "object":
      return JSON.stringify(value);
    default:
      throw new TypeError(`a ${typeof value} cannot be a bind value`);
  }
}

function arrayLiteral(values: readonly unknown[]): string {
  const items = values.map((item) => {
    if (item === null || item === undefined) return "NULL";
    if (Array.isArray(item)) return arrayLiteral(item);
    const text = prepareValue(item);
    const string = Buffer.isBuffer(text) ? `\\\\x${text.toString("hex")}` : String(text);
    return `"${string.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  });
  return `{${items.join(",")}}`;
}
