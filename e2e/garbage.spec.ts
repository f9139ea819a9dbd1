import { expect, test, type APIRequestContext, type APIResponse } from "@playwright/test";
import fc from "fast-check";
import { dataPath, databaseDigest, outsideClient, setCookies, type DatabaseDigest } from "./attack";
import { APP_ORIGIN, E2E_PORT } from "./origin";
import { ownerDatabase } from "./owner-db";
import { uniqueTask } from "./support";

/**
 * Bad input of every kind is a 4xx with a readable message, never a 5xx,
 * never Postgres's own words, and never a write.
 */

// What only a database error would put in a response.
const POSTGRES_TEXT =
  /syntax error|invalid input syntax|violates|relation "|SQLSTATE|invalid byte sequence|out of range for type|current transaction is aborted|permission denied for|duplicate key value|Failed query|NeonDbError/i;

const ROUTE_IDS: Record<string, string> = {
  "/": "routes/_index",
  "/todos": "routes/todos",
  "/review": "routes/review",
  "/audit": "routes/audit",
  "/sign-in": "routes/sign-in",
  "/sign-out": "routes/sign-out",
  "/switch": "routes/switch",
};
const ROUTES = [...Object.keys(ROUTE_IDS), "/healthz", "/.well-known/jwks.json"];

/** A fresh session of `userId`, signed in the way the sign-in page posts; returns its Cookie header value. */
async function signedInCookie(userId: string): Promise<string> {
  const anonymous = await outsideClient();
  try {
    const response = await anonymous.post("/sign-in", {
      form: { identity: userId },
      headers: { Origin: APP_ORIGIN },
      maxRedirects: 0,
    });
    expect(response.status(), `sign in as ${userId}`).toBe(302);
    const [cookie] = setCookies(response, "__warden_session");
    return cookie.split(";")[0];
  } finally {
    await anonymous.dispose();
  }
}

const signedInClient = async (userId: string) => outsideClient(await signedInCookie(userId));

async function expectNoPostgresText(response: APIResponse, label: string) {
  expect(await response.text(), `${label}: Postgres error text in the answer`).not.toMatch(
    POSTGRES_TEXT,
  );
}

// ---------------------------------------------------------------------------
// The contract, case by case.
// ---------------------------------------------------------------------------

const MULTIPART = "multipart/form-data; boundary=warden-boundary";
const multipart = (fields: [string, Buffer][]) =>
  Buffer.concat([
    ...fields.flatMap(([name, value]) => [
      Buffer.from(`--warden-boundary\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`),
      value,
      Buffer.from("\r\n"),
    ]),
    Buffer.from("--warden-boundary--\r\n"),
  ]);

interface BodyCase {
  label: string;
  path: string;
  body: string | Buffer;
  contentType: string;
  status: number;
}

/**
 * The form each mutating route would accept, and its free-text field: a bad
 * byte appended there leaves every other reason to refuse out of play.
 */
const VALID_FORMS: { path: string; form: Record<string, string>; free: string }[] = [
  { path: "/todos", form: { intent: "create", task: "a valid task" }, free: "task" },
  {
    path: "/review",
    form: { intent: "review", id: "1", verdict: "approved", note: "a fine note" },
    free: "note",
  },
  { path: "/sign-in", form: { identity: "user_adam", returnTo: "/todos" }, free: "returnTo" },
  {
    path: "/switch",
    form: { identity: "user_adam", org: "org_acme", returnTo: "/todos" },
    free: "returnTo",
  },
];

const urlencoded = (form: Record<string, string>, free?: string, escape = "") =>
  Object.entries(form)
    .map(
      ([name, value]) =>
        `${encodeURIComponent(name)}=${encodeURIComponent(value)}${name === free ? escape : ""}`,
    )
    .join("&");

const multipartWith = (form: Record<string, string>, free: string, bytes: number[]) =>
  multipart(
    Object.entries(form).map(([name, value]) => [
      name,
      name === free ? Buffer.concat([Buffer.from(value), Buffer.from(bytes)]) : Buffer.from(value),
    ]),
  );

function bodyCases(): BodyCase[] {
  const cases: BodyCase[] = [];
  const FORM = "application/x-www-form-urlencoded";
  for (const { path, form, free } of VALID_FORMS) {
    for (const url of [path, dataPath(path, ROUTE_IDS[path])]) {
      const limit = path === "/todos" ? 1024 * 1024 : 64 * 1024;
      cases.push(
        {
          label: "over the limit",
          path: url,
          body: `${urlencoded(form)}&filler=${"x".repeat(limit + 1)}`,
          contentType: FORM,
          status: 413,
        },
        {
          label: "JSON",
          path: url,
          body: JSON.stringify(form),
          contentType: "application/json",
          status: 415,
        },
        {
          label: "broken multipart",
          path: url,
          body: `--warden-boundary\r\nContent-Disposition: form-data; name="${free}"\r\n\r\nunterminated`,
          contentType: MULTIPART,
          status: 400,
        },
        {
          label: `NUL in ${free}`,
          path: url,
          body: urlencoded(form, free, "%00"),
          contentType: FORM,
          status: 400,
        },
        {
          label: `%FF in ${free}`,
          path: url,
          body: urlencoded(form, free, "%FF"),
          contentType: FORM,
          status: 400,
        },
        {
          label: `NUL in multipart ${free}`,
          path: url,
          body: multipartWith(form, free, [0x00]),
          contentType: MULTIPART,
          status: 400,
        },
        {
          label: `raw 0xFF in multipart ${free}`,
          path: url,
          body: multipartWith(form, free, [0xff]),
          contentType: MULTIPART,
          status: 400,
        },
      );
    }
  }
  // The todos limit is 1 MB: a 100 KB form is read, and its task refused as too long.
  cases.push({
    label: "100 KB task (under the todos limit)",
    path: "/todos",
    body: urlencoded({ intent: "create", task: "x".repeat(100_000) }),
    contentType: FORM,
    status: 400,
  });
  return cases;
}

test("oversized, non-form, broken and NUL or invalid UTF-8 bodies are 413, 415 or 400 and write nothing", async () => {
  const db = await ownerDatabase();
  const adam = await signedInCookie("user_adam");
  try {
    const before = await databaseDigest(db);
    for (const item of bodyCases()) {
      const label = `POST ${item.path.slice(0, 60)}: ${item.label}`;
      // A connection of its own per request: after a 413 the server resets the kept-alive connection, failing whatever is sent on it next.
      const client = await outsideClient(adam);
      try {
        const response = await client.post(item.path, {
          data: item.body,
          headers: { Origin: APP_ORIGIN, "Content-Type": item.contentType },
          maxRedirects: 0,
        });
        expect.soft(response.status(), label).toBe(item.status);
        await expectNoPostgresText(response, label);
      } finally {
        await client.dispose();
      }
    }
    expect(await databaseDigest(db)).toEqual(before);
  } finally {
    await db.close();
  }
});

test("NUL or invalid UTF-8 in any query string is 400", async () => {
  const db = await ownerDatabase();
  const adam = await signedInClient("user_adam");
  try {
    const paths = [
      "/",
      "/todos",
      "/review",
      "/audit",
      "/sign-in",
      "/healthz",
      "/.well-known/jwks.json",
    ];
    const pages = ["/todos", "/review", "/audit", "/sign-in"];
    for (const bad of ["%00", "%FF", "%C3%28"]) {
      const urls = [
        ...paths.map((path) => `${path}?x=${bad}`),
        ...pages.map((path) => dataPath(`${path}?x=${bad}`, ROUTE_IDS[path])),
        `/todos?q=${bad}`,
        `/todos?owner=a${bad}b`,
        `/audit?actor=${bad}`,
        `/sign-in?returnTo=%2Ftodos${bad}`,
      ];
      for (const url of urls) {
        const response = await adam.get(url, { maxRedirects: 0 });
        expect.soft(response.status(), `GET ${url}`).toBe(400);
        await expectNoPostgresText(response, url);
      }
    }

    // A valid form with a bad query string: each post on a session of its own, since one let through may end it.
    for (const { path, form } of [...VALID_FORMS, { path: "/sign-out", form: {} }]) {
      for (const url of [
        `${path}?x=%00`,
        `${path}?x=%FF`,
        dataPath(`${path}?x=%00`, ROUTE_IDS[path]),
      ]) {
        // Maya may review todo 1, alice may do the rest: the bad address is the only reason left to refuse.
        const client = await signedInClient(path === "/review" ? "user_maya" : "user_alice");
        try {
          const before = await databaseDigest(db);
          const response = await client.post(url, {
            form:
              path === "/todos"
                ? { ...form, task: uniqueTask("Posted with a broken query") }
                : form,
            headers: { Origin: APP_ORIGIN },
            maxRedirects: 0,
          });
          expect.soft(response.status(), `POST ${url}`).toBe(400);
          expect.soft(await databaseDigest(db), `database after POST ${url}`).toEqual(before);
        } finally {
          await client.dispose();
        }
      }
    }
  } finally {
    await adam.dispose();
    await db.close();
  }
});

test("a year-zero date and broken page cursors are 400", async () => {
  const adam = await signedInClient("user_adam");
  const cursor = (text: string) => Buffer.from(text, "utf8").toString("base64url");
  try {
    const urls = [
      "/audit?from=0000-01-01",
      "/audit?to=0000-01-01",
      dataPath("/audit?from=0000-01-01", "routes/audit"),
      "/audit?todo=99999999999999999999",
      "/todos?after=not-a-cursor",
      "/todos?before=%25%25%25",
      `/todos?after=${cursor("0000-01-01 00:00:00+00|1")}`,
      `/todos?after=${cursor("2026-13-45 00:00:00+00|1")}`,
      `/todos?after=${cursor("2026-01-01 00:00:00+00|99999999999999999999")}`,
      `/todos?after=${cursor("2026-01-01 00:00:00+00|1|2")}`,
      `/todos?after=${cursor("'; select 1; --|1")}`,
      dataPath("/todos?after=not-a-cursor", "routes/todos"),
    ];
    for (const url of urls) {
      const response = await adam.get(url, { maxRedirects: 0 });
      expect.soft(response.status(), `GET ${url}`).toBe(400);
      await expectNoPostgresText(response, url);
    }
  } finally {
    await adam.dispose();
  }
});

// ---------------------------------------------------------------------------
// The fuzz: generated garbage at every route.
// ---------------------------------------------------------------------------

/** A field value: text (sent UTF-8, percent-encoded in a URL), bytes (sent as they are), or raw URL syntax sent verbatim. */
type Piece = { text: string } | { bytes: number[] } | { raw: string };

const FIELD_KEYS = [
  "intent",
  "id",
  "task",
  "action",
  "scope",
  "owner",
  "confirmed",
  "verdict",
  "note",
  "returnTo",
  "identity",
  "org",
];
const QUERY_KEYS = [
  ...FIELD_KEYS,
  "after",
  "before",
  "from",
  "to",
  "q",
  "status",
  "sort",
  "actor",
  "todo",
  "_data",
  "index",
];
const MEANINGFUL = [
  ...[
    "create",
    "update",
    "toggle",
    "delete",
    "bulk",
    "review",
    "complete",
    "reopen",
    "reassign",
    "filter",
    "selected",
    "yes",
  ],
  ...[
    "approved",
    "flagged",
    "unreviewed",
    "open",
    "oldest",
    "newest",
    "insert",
    "own",
    "none",
    "org:admin",
    "org:moderator",
    "org:member",
    "org_acme",
    "org_globex",
    "org_eve",
    "personal:user_bob",
  ],
  ...[
    "user_alice",
    "user_bob",
    "user_maya",
    "user_adam",
    "/todos",
    "//evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "",
  ],
  ...[
    "0",
    "-1",
    "1",
    "7",
    "999999999999999",
    "99999999999999999999",
    "9007199254740993",
    "1e308",
    "NaN",
    "0x10",
    " 1 ",
  ],
  ...[
    "0000-01-01",
    "9999-12-31",
    "2026-02-30",
    "1970-01-01T00:00:00Z",
    "'; select pg_sleep(1); --",
    "%_\\",
    "routes/todos",
    "root",
  ],
  ...["MjAyNi0wMS0wMSAwMDowMDowMCswMHwx", "MDAwMC0wMS0wMSAwMDowMDowMCswMHwx", "fA", "=="],
];
/** Bytes no field accepts: NUL, a lone 0xFF, a truncated sequence, an encoded surrogate, DEL. */
const POISON = [[0x00], [0xff], [0xc3], [0xed, 0xa0, 0x80], [0x7f], [0x01]];

const piece: fc.Arbitrary<Piece> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...MEANINGFUL).map((text) => ({ text })) },
  { weight: 4, arbitrary: fc.string({ unit: "binary", maxLength: 30 }).map((text) => ({ text })) },
  {
    weight: 2,
    arbitrary: fc.uint8Array({ maxLength: 24 }).map((bytes) => ({ bytes: [...bytes] })),
  },
  { weight: 1, arbitrary: fc.constantFrom(...POISON).map((bytes) => ({ bytes })) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom("%", "%G1", "%%", "%0", "&", "=", "a=b=c", "+", "%u0041", "%2", "%E2%82")
      .map((raw) => ({ raw })),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1_000, max: 100_000 })
      .map((length) => ({ text: "x".repeat(length) })),
  },
);

const entries = (keys: string[], maxLength: number) =>
  fc.array(fc.tuple(fc.constantFrom(...keys), piece), { maxLength });

const bytesOf = (value: Piece): Buffer =>
  "bytes" in value
    ? Buffer.from(value.bytes)
    : Buffer.from("text" in value ? value.text : value.raw, "utf8");

/** Percent-encodes every byte outside the unreserved set, so any bytes can ride in a URL or a urlencoded form. */
function percentEncode(bytes: Buffer): string {
  let out = "";
  for (const byte of bytes)
    out += /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(byte))
      ? String.fromCharCode(byte)
      : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  return out;
}

const encodePairs = (pairs: [string, Piece][]) =>
  pairs
    .map(
      ([key, value]) =>
        `${percentEncode(Buffer.from(key))}=${"raw" in value ? value.raw : percentEncode(bytesOf(value))}`,
    )
    .join("&");

type Body =
  | { kind: "urlencoded"; pairs: [string, Piece][] }
  | {
      kind: "multipart";
      pairs: [string, Piece][];
      boundary: string;
      damage: "none" | "other-boundary" | "truncated" | "no-boundary" | "no-closing";
    }
  | { kind: "json"; pairs: [string, Piece][] }
  | { kind: "text"; text: string }
  | { kind: "octet"; bytes: number[] }
  | { kind: "none"; bytes: number[] };

const body: fc.Arbitrary<Body> = fc.oneof(
  entries(FIELD_KEYS, 8).map((pairs) => ({ kind: "urlencoded" as const, pairs })),
  fc
    .record({
      pairs: entries(FIELD_KEYS, 8),
      boundary: fc.oneof(
        fc.constant("warden-fuzz"),
        fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 80 }),
      ),
      damage: fc.constantFrom(
        "none",
        "none",
        "other-boundary",
        "truncated",
        "no-boundary",
        "no-closing",
      ),
    })
    .map((value) => ({ kind: "multipart" as const, ...value })),
  entries(FIELD_KEYS, 8).map((pairs) => ({ kind: "json" as const, pairs })),
  fc.string({ unit: "binary", maxLength: 200 }).map((text) => ({ kind: "text" as const, text })),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ kind: "octet" as const, bytes: [...bytes] })),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ kind: "none" as const, bytes: [...bytes] })),
);

function encodeBody(value: Body): { data: Buffer; contentType: string } {
  switch (value.kind) {
    case "urlencoded":
      return {
        data: Buffer.from(encodePairs(value.pairs)),
        contentType: "application/x-www-form-urlencoded",
      };
    case "multipart": {
      const written = value.damage === "other-boundary" ? `${value.boundary}x` : value.boundary;
      const parts = value.pairs.map(([key, piece]) =>
        Buffer.concat([
          Buffer.from(`--${written}\r\nContent-Disposition: form-data; name="${key}"\r\n\r\n`),
          bytesOf(piece),
          Buffer.from("\r\n"),
        ]),
      );
      let data = Buffer.concat([
        ...parts,
        Buffer.from(value.damage === "no-closing" ? "" : `--${written}--\r\n`),
      ]);
      if (value.damage === "truncated") data = data.subarray(0, Math.floor(data.length / 2));
      const contentType =
        value.damage === "no-boundary"
          ? "multipart/form-data"
          : `multipart/form-data; boundary=${value.boundary}`;
      return { data, contentType };
    }
    case "json":
      return {
        data: Buffer.from(
          JSON.stringify(
            Object.fromEntries(
              value.pairs.map(([key, piece]) => [key, bytesOf(piece).toString("latin1")]),
            ),
          ),
        ),
        contentType: "application/json",
      };
    case "text":
      return { data: Buffer.from(value.text), contentType: "text/plain" };
    case "octet":
      return { data: Buffer.from(value.bytes), contentType: "application/octet-stream" };
    case "none":
      // An empty Content-Type is what a client sends without one: the app sees no media type.
      return { data: Buffer.from(value.bytes), contentType: "" };
  }
}

const ORIGINS = {
  app: APP_ORIGIN,
  foreign: "https://evil.example",
  "other-port": `http://127.0.0.1:${E2E_PORT + 1}`,
  null: "null",
  none: undefined,
} as const;

interface Garbage {
  method: "GET" | "POST" | "PUT" | "DELETE" | "PATCH";
  route: string;
  data: "none" | "own" | "other";
  query: [string, Piece][];
  body: Body;
  origin: keyof typeof ORIGINS;
  fetchSite: "same-origin" | "same-site" | "cross-site" | "none" | null;
}

/** Would the forgery check let this through? Then only a malformed body keeps it from changing state. */
const passesForgeryCheck = (request: Pick<Garbage, "method" | "origin" | "fetchSite">) =>
  request.method === "POST" &&
  request.origin === "app" &&
  (request.fetchSite === null || request.fetchSite === "same-origin");

/**
 * Generated requests that get past the forgery check always carry a body
 * the edge must refuse (a form with a poisoned first field, or no form at
 * all), so none may legitimately write: the database must not change. A
 * genuine sign-out reads no body, so it is only ever sent forged.
 */
const garbage: fc.Arbitrary<Garbage> = fc
  .record({
    method: fc.constantFrom("GET", "GET", "POST", "POST", "PUT", "DELETE", "PATCH"),
    route: fc.constantFrom(...ROUTES),
    data: fc.constantFrom("none", "none", "own", "other"),
    query: entries(QUERY_KEYS, 5),
    body,
    origin: fc.constantFrom(...(Object.keys(ORIGINS) as (keyof typeof ORIGINS)[])),
    fetchSite: fc.constantFrom("same-origin", "same-site", "cross-site", "none", null, null),
    poison: fc.tuple(fc.constantFrom(...FIELD_KEYS), fc.constantFrom(...POISON)),
  })
  .map(({ poison, ...request }): Garbage => {
    if (!passesForgeryCheck(request)) return request;
    if (request.route === "/sign-out") return { ...request, origin: "none" };
    const { body } = request;
    if (body.kind === "none") return { ...request, body: { kind: "octet", bytes: body.bytes } };
    if (body.kind === "urlencoded" || body.kind === "multipart")
      return {
        ...request,
        body: { ...body, pairs: [[poison[0], { bytes: poison[1] }], ...body.pairs] },
      };
    return request;
  });

function urlOf(request: Garbage): string {
  const search = encodePairs(request.query);
  const path = search ? `${request.route}?${search}` : request.route;
  if (request.data === "none") return path;
  return dataPath(
    path,
    request.data === "own" ? (ROUTE_IDS[request.route] ?? "root") : "routes/audit",
  );
}

async function fuzz(client: APIRequestContext, who: string) {
  const db = await ownerDatabase();
  try {
    const initial = await databaseDigest(db);
    let previous: DatabaseDigest = initial;
    await fc.assert(
      fc.asyncProperty(garbage, async (request) => {
        const { data, contentType } = encodeBody(request.body);
        const origin = ORIGINS[request.origin];
        const headers: Record<string, string> = { "Content-Type": contentType };
        if (origin) headers.Origin = origin;
        if (request.fetchSite) headers["Sec-Fetch-Site"] = request.fetchSite;
        const url = urlOf(request);
        const response = await client.fetch(url, {
          method: request.method,
          data: request.method === "GET" ? undefined : data,
          headers,
          maxRedirects: 0,
        });
        const label = `${who}: ${request.method} ${url.slice(0, 120)}`;
        expect(response.status(), label).toBeLessThan(500);
        await expectNoPostgresText(response, label);
        // Compared with the state just before, so a shrunk counterexample is judged on its own.
        const after = await databaseDigest(db);
        const changed = JSON.stringify(after) !== JSON.stringify(previous);
        previous = after;
        expect(changed, `${label} changed the database`).toBe(false);
      }),
      { seed: 20_261_123, numRuns: 300 },
    );
    expect(await databaseDigest(db)).toEqual(initial);
  } finally {
    await db.close();
  }
}

test("fuzz: generated garbage at every route, signed in as adam, is never a 5xx and writes nothing", async () => {
  const adam = await signedInClient("user_adam");
  try {
    await fuzz(adam, "adam");
  } finally {
    await adam.dispose();
  }
});

test("fuzz: generated garbage at every route, signed out, is never a 5xx and writes nothing", async () => {
  const anonymous = await outsideClient();
  try {
    await fuzz(anonymous, "signed out");
  } finally {
    await anonymous.dispose();
  }
});
