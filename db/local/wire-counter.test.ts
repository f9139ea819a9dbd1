import { describe, expect, it } from "vitest";
import { splitStatements, WireCounter } from "./wire-counter";

/** Frontend messages built by hand, as the protocol documentation lays them out. */
const cstr = (text: string) => Buffer.concat([Buffer.from(text, "utf8"), Buffer.from([0])]);
const int16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const int32 = (n: number) => {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(n);
  return buffer;
};
const typed = (type: string, ...parts: Buffer[]) => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from(type, "latin1"), int32(body.length + 4), body]);
};
const untyped = (...parts: Buffer[]) => {
  const body = Buffer.concat(parts);
  return Buffer.concat([int32(body.length + 4), body]);
};

const startup = (user: string) =>
  untyped(
    int32(196608),
    cstr("user"),
    cstr(user),
    cstr("database"),
    cstr("warden"),
    Buffer.from([0]),
  );
const sslRequest = () => untyped(int32(80877103));
const password = () => typed("p", cstr("secret"));
const query = (sql: string) => typed("Q", cstr(sql));
const parse = (sql: string, name = "") => typed("P", cstr(name), cstr(sql), int16(0));
const bind = (statement = "", portal = "") =>
  typed("B", cstr(portal), cstr(statement), int16(0), int16(0), int16(0));
const describePortal = (portal = "") => typed("D", Buffer.from("P"), cstr(portal));
const execute = (portal = "") => typed("E", cstr(portal), int32(0));
const sync = () => typed("S");
const flush = () => typed("H");
const terminate = () => typed("X");
const close = (kind: "S" | "P", name: string) => typed("C", Buffer.from(kind), cstr(name));
const extended = (sql: string) => [parse(sql), bind(), describePortal(), execute(), sync()];

/** A connection through a counter, started up and authenticated before any window opens. */
function connection(user = "authenticated_backend") {
  const counter = new WireCounter();
  const tap = counter.observer();
  tap.fromClient(startup(user));
  tap.fromServer(Buffer.from("R"));
  tap.fromClient(password());
  tap.fromServer(Buffer.from("Z"));
  return { counter, tap, answer: () => tap.fromServer(Buffer.from("Z")) };
}

describe("WireCounter", () => {
  it("counts each statement sent and waited for as its own round trip", () => {
    const { counter, tap, answer } = connection();
    counter.begin();
    tap.fromClient(query("BEGIN"));
    answer();
    for (const part of extended("select set_config('request.jwt.claims', $1, true)"))
      tap.fromClient(part);
    answer();
    for (const part of extended("select id from todos where id = $1")) tap.fromClient(part);
    answer();
    tap.fromClient(query("COMMIT"));
    answer();
    const window = counter.end();
    expect(window.roundTrips).toBe(4);
    expect(window.statements.map((s) => s.sql)).toEqual([
      "BEGIN",
      "select set_config('request.jwt.claims', $1, true)",
      "select id from todos where id = $1",
      "COMMIT",
    ]);
    expect(window.statements.every((s) => s.user === "authenticated_backend")).toBe(true);
    expect(window.connections).toBe(0);
  });

  it("counts a pipelined batch (several Parse/Bind/Describe/Execute, one Sync) as one round trip", () => {
    const { counter, tap, answer } = connection();
    const sqls = [
      "BEGIN",
      "select set_config('request.jwt.claims', $1, true)",
      "select * from todos",
      "COMMIT",
    ];
    const batch = Buffer.concat(
      sqls.flatMap((sql) => [parse(sql), bind(), describePortal(), execute()]).concat(sync()),
    );
    counter.begin();
    tap.fromClient(batch);
    answer();
    const window = counter.end();
    expect(window.roundTrips).toBe(1);
    expect(window.statements.map((s) => s.sql)).toEqual(sqls);
  });

  it("reassembles messages split across frames, at any byte", () => {
    const sqls = ["select 1", "select 'a;b' as x", "update todos set task = $1 where id = $2"];
    const stream = Buffer.concat([
      query(sqls[0]),
      ...sqls.slice(1).flatMap((sql) => [parse(sql), bind(), execute()]),
      sync(),
    ]);
    for (const size of [1, 2, 3, 5, 7, 11, stream.length - 1]) {
      const { counter, tap, answer } = connection();
      counter.begin();
      for (let at = 0; at < stream.length; at += size)
        tap.fromClient(stream.subarray(at, at + size));
      answer();
      const window = counter.end();
      expect(window.roundTrips, `frames of ${size} bytes`).toBe(1);
      expect(window.statements.map((s) => s.sql)).toEqual(sqls);
    }
  });

  it("starts a new flight only after the server answered, however many frames a flight takes", () => {
    const { counter, tap, answer } = connection();
    counter.begin();
    for (const part of extended("select 1")) tap.fromClient(part);
    tap.fromClient(query("select 2"));
    answer();
    answer();
    tap.fromClient(query("select 3; select 4"));
    answer();
    const window = counter.end();
    expect(window.roundTrips).toBe(2);
    expect(window.statements.map((s) => [s.roundTrip, s.sql])).toEqual([
      [1, "select 1"],
      [1, "select 2"],
      [2, "select 3"],
      [2, "select 4"],
    ]);
  });

  it("counts a Flush that waits for an answer before the Sync as a round trip of its own", () => {
    const { counter, tap, answer } = connection();
    counter.begin();
    tap.fromClient(Buffer.concat([parse("select 1"), flush()]));
    answer();
    tap.fromClient(Buffer.concat([bind(), execute(), sync()]));
    answer();
    const window = counter.end();
    expect(window.roundTrips).toBe(2);
    expect(window.statements.map((s) => s.sql)).toEqual(["select 1"]);
  });

  it("names the statement of an Execute through its portal and named prepared statement, also after a Close", () => {
    const { counter, tap, answer } = connection();
    tap.fromClient(Buffer.concat([parse("select $1::int", "s1"), sync()]));
    answer();
    counter.begin();
    tap.fromClient(
      Buffer.concat([
        bind("s1", "p1"),
        execute("p1"),
        bind("s1"),
        execute(),
        close("S", "s1"),
        bind("s1"),
        execute(),
        sync(),
      ]),
    );
    answer();
    const window = counter.end();
    expect(window.roundTrips).toBe(1);
    expect(window.statements.map((s) => s.sql)).toEqual([
      "select $1::int",
      "select $1::int",
      '(prepared statement "s1" not seen)',
    ]);
  });

  it("leaves start-up, authentication and Terminate out, but notes a connection started inside the window", () => {
    const counter = new WireCounter();
    const tap = counter.observer();
    counter.begin();
    tap.fromClient(sslRequest());
    tap.fromServer(Buffer.from("N"));
    tap.fromClient(startup("moderator_backend"));
    tap.fromServer(Buffer.from("R"));
    tap.fromClient(password());
    tap.fromServer(Buffer.from("Z"));
    tap.fromClient(query("select 1"));
    tap.fromServer(Buffer.from("Z"));
    tap.fromClient(terminate());
    const window = counter.end();
    expect(window).toEqual({
      roundTrips: 1,
      statements: [{ sql: "select 1", user: "moderator_backend", roundTrip: 1 }],
      connections: 1,
    });
  });

  it("counts nothing outside a window, and sums the flights of every connection inside one", () => {
    const a = connection();
    const counter = a.counter;
    const b = counter.observer();
    b.fromClient(startup("admin_backend"));
    b.fromServer(Buffer.from("Z"));
    a.tap.fromClient(query("select 'before'"));
    a.answer();
    counter.begin();
    a.tap.fromClient(query("select 'a'"));
    b.fromClient(query("select 'b'"));
    a.answer();
    b.fromServer(Buffer.from("Z"));
    const window = counter.end();
    expect(window.roundTrips).toBe(2);
    expect(window.statements).toEqual([
      { sql: "select 'a'", user: "authenticated_backend", roundTrip: 1 },
      { sql: "select 'b'", user: "admin_backend", roundTrip: 2 },
    ]);
  });
});

describe("splitStatements", () => {
  it.each([
    ["BEGIN", ["BEGIN"]],
    ["select 1; select 2;", ["select 1", "select 2"]],
    ["select ';' as a; select \"x;y\" from t", ["select ';' as a", 'select "x;y" from t']],
    ["select 'it''s; fine'", ["select 'it''s; fine'"]],
    ["select E'a\\';b'; select 2", ["select E'a\\';b'", "select 2"]],
    [
      "do $body$ begin perform 1; end $body$; select $$;$$",
      ["do $body$ begin perform 1; end $body$", "select $$;$$"],
    ],
    [
      "select 1 -- a; comment\n; /* a; /* nested; */ block */ select 2",
      ["select 1 -- a; comment", "/* a; /* nested; */ block */ select 2"],
    ],
    ["select $1, $2; -- trailing", ["select $1, $2"]],
    [" ; ;", []],
  ])("%j", (text, expected) => {
    expect(splitStatements(text)).toEqual(expected);
  });
});
