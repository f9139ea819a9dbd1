import type { ConnectionTap, ProxyObserver } from "./ws-proxy";

/**
 * Counts what the app asks of Postgres, read off the wire at the local
 * WebSocket proxy: statements (each Execute, or each statement of a simple
 * Query) with their SQL, and round trips. A round trip is a flight: the
 * client's sends between two answers of the server. Its first send after
 * the server has answered (or its first on a connection) starts one, so
 * statements pipelined before any wait are one round trip however many
 * frames carry them. Flights holding only start-up, authentication or
 * Terminate are not counted: warm pools never send them per request, and
 * nobody waits for a Terminate.
 */

export interface WireStatement {
  sql: string;
  /** The login role of the connection that sent it. */
  user: string | null;
  /** Which of the window's round trips carried it, from 1. */
  roundTrip: number;
}

export interface WireWindow {
  roundTrips: number;
  statements: WireStatement[];
  /** Connections that started up inside the window: non-zero means start-up cost slipped in. */
  connections: number;
}

const PROTOCOL_3 = 196608;
// Sent before the StartupMessage proper, and like it without a type byte.
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

/** Messages that ask nothing of a request: the password exchange and Terminate. */
const NOT_A_REQUEST = new Set(["p", "X"]);

/** The statements of a simple Query's text: split at semicolons outside quotes, dollar quotes and comments. */
export function splitStatements(text: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let meaningful = false;
  let i = 0;
  const cut = (end: number) => {
    if (meaningful) statements.push(text.slice(start, end).trim());
    start = end + 1;
    meaningful = false;
  };
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === "-" && next === "-") {
      const end = text.indexOf("\n", i);
      i = end === -1 ? text.length : end + 1;
    } else if (c === "/" && next === "*") {
      let depth = 1;
      i += 2;
      while (i < text.length && depth > 0) {
        if (text[i] === "/" && text[i + 1] === "*") {
          depth++;
          i += 2;
        } else if (text[i] === "*" && text[i + 1] === "/") {
          depth--;
          i += 2;
        } else i++;
      }
    } else if (c === "'" || c === '"') {
      // E'…' strings let a backslash escape the quote; elsewhere only a doubled quote does.
      const escapes =
        c === "'" && /[eE]/.test(text[i - 1] ?? "") && !/[\w$]/.test(text[i - 2] ?? "");
      meaningful = true;
      i++;
      while (i < text.length) {
        if (escapes && text[i] === "\\") i += 2;
        else if (text[i] === c && text[i + 1] === c) i += 2;
        else if (text[i] === c) break;
        else i++;
      }
      i++;
    } else if (c === "$" && !/[\w$]/.test(text[i - 1] ?? "")) {
      const tag = /^\$([A-Za-z_][\w]*)?\$/.exec(text.slice(i));
      meaningful = true;
      if (tag) {
        const end = text.indexOf(tag[0], i + tag[0].length);
        i = end === -1 ? text.length : end + tag[0].length;
      } else i++;
    } else if (c === ";") {
      cut(i);
      i++;
    } else {
      if (!/\s/.test(c)) meaningful = true;
      i++;
    }
  }
  cut(text.length);
  return statements;
}

const cString = (body: Buffer, offset: number): [string, number] => {
  const end = body.indexOf(0, offset);
  const stop = end === -1 ? body.length : end;
  return [body.toString("utf8", offset, stop), stop + 1];
};

/** One connection's client→server stream, parsed message by message. */
class ConnectionReader implements ConnectionTap {
  private pending: Buffer = Buffer.alloc(0);
  private startedUp = false;
  private user: string | null = null;
  /** The server has answered since the client last sent: the next send starts a flight. */
  private answered = true;
  private flightCounted = false;
  private flightNumber = 0;
  private readonly prepared = new Map<string, string>();
  private readonly portals = new Map<string, string>();

  constructor(private readonly counter: WireCounter) {}

  fromServer() {
    this.answered = true;
  }

  fromClient(chunk: Buffer) {
    if (this.answered) {
      this.answered = false;
      this.flightCounted = false;
    }
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let offset = 0;
    for (;;) {
      const typed = this.startedUp;
      const header = typed ? 5 : 4;
      if (this.pending.length - offset < header) break;
      const length = this.pending.readInt32BE(offset + (typed ? 1 : 0));
      const total = length + (typed ? 1 : 0);
      if (this.pending.length - offset < total) break;
      const body = this.pending.subarray(offset + header, offset + total);
      if (typed) this.message(String.fromCharCode(this.pending[offset]), body);
      else this.untyped(body);
      offset += total;
    }
    this.pending = offset === this.pending.length ? Buffer.alloc(0) : this.pending.subarray(offset);
  }

  private untyped(body: Buffer) {
    const code = body.readInt32BE(0);
    if (code === SSL_REQUEST || code === GSSENC_REQUEST || code === CANCEL_REQUEST) return;
    if (code !== PROTOCOL_3) return;
    this.startedUp = true;
    this.counter.connectionStarted();
    let offset = 4;
    while (offset < body.length && body[offset] !== 0) {
      const [key, afterKey] = cString(body, offset);
      const [value, afterValue] = cString(body, afterKey);
      if (key === "user") this.user = value;
      offset = afterValue;
    }
  }

  private message(type: string, body: Buffer) {
    if (!NOT_A_REQUEST.has(type) && !this.flightCounted) {
      this.flightCounted = true;
      this.flightNumber = this.counter.flight();
    }
    switch (type) {
      case "Q":
        for (const sql of splitStatements(cString(body, 0)[0]))
          this.counter.statement({ sql, user: this.user, roundTrip: this.flightNumber });
        break;
      case "P": {
        const [name, at] = cString(body, 0);
        this.prepared.set(name, cString(body, at)[0]);
        break;
      }
      case "B": {
        const [portal, at] = cString(body, 0);
        const [statement] = cString(body, at);
        this.portals.set(
          portal,
          this.prepared.get(statement) ?? `(prepared statement "${statement}" not seen)`,
        );
        break;
      }
      case "E": {
        const [portal] = cString(body, 0);
        this.counter.statement({
          sql: this.portals.get(portal) ?? `(portal "${portal}" not seen)`,
          user: this.user,
          roundTrip: this.flightNumber,
        });
        break;
      }
      case "C": {
        const [name] = cString(body, 1);
        (String.fromCharCode(body[0]) === "S" ? this.prepared : this.portals).delete(name);
        break;
      }
    }
  }
}

export class WireCounter {
  private open: WireWindow | null = null;

  /** For `startWsProxy`: a reader per connection. */
  readonly observer: ProxyObserver = () => new ConnectionReader(this);

  /** Counts what every connection sends from now until `end()`. */
  begin() {
    if (this.open) throw new Error("a window is already open");
    this.open = { roundTrips: 0, statements: [], connections: 0 };
  }

  end(): WireWindow {
    if (!this.open) throw new Error("no window is open");
    const window = this.open;
    this.open = null;
    return window;
  }

  /** What `run` sends, counted once it has settled (its answers arrived, so its sends were seen first). */
  async measure<T>(run: () => Promise<T>): Promise<{ result: T; window: WireWindow }> {
    this.begin();
    let result: T;
    try {
      result = await run();
    } catch (error) {
      this.end();
      throw error;
    }
    return { result, window: this.end() };
  }

  /** @internal A new round trip; its number in the open window (0 outside one). */
  flight(): number {
    return this.open ? ++this.open.roundTrips : 0;
  }

  /** @internal */
  statement(statement: WireStatement) {
    this.open?.statements.push(statement);
  }

  /** @internal */
  connectionStarted() {
    if (this.open) this.open.connections++;
  }
}
