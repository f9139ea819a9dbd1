import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeCursor } from "../../db/cursor";
import { closeRolePools } from "../../db/pools.server";
import { ownerPool } from "../../db/testing/identities";
import { args, formPost, settle, signInAs, URL_BASE } from "../testing/routes";
import { loader as auditLoader } from "./audit";
import { action as reviewAction } from "./review";
import { action as signInAction } from "./sign-in";
import { action as signOutAction } from "./sign-out";
import { action as switchAction } from "./switch";
import { action as todosAction, loader as todosLoader } from "./todos";
import { action as bulkAction } from "./todos.bulk";

/**
 * The edge in front of every route: forged cross-site posts, and input no
 * form of ours would send, are refused with a 4xx before anything changes.
 * (The browser tests repeat the forgery matrix against the real server.)
 */

const owner = ownerPool();
let cookies: Record<"alice" | "maya" | "adam", string>;
let aliceTodo: number;
const BULK_TARGET = "edge test bulk target";

beforeAll(async () => {
  cookies = {
    alice: await signInAs("user_alice"),
    maya: await signInAs("user_maya"),
    adam: await signInAs("user_adam"),
  };
  const { rows } = await owner.query<{ id: string }>(
    "insert into todos (user_id, task) values ('user_alice', 'edge test target') returning id",
  );
  aliceTodo = Number(rows[0].id);
  await owner.query("insert into todos (user_id, task) values ('user_bob', $1)", [BULK_TARGET]);
});

afterAll(async () => {
  await owner.query("delete from todos where id = $1 or task = $2", [aliceTodo, BULK_TARGET]);
  await owner.end();
  await closeRolePools();
});

/** Everything a forged request could change: every todo, every review, every live session. */
async function databaseState() {
  const { rows } = await owner.query(`
    select (select md5(coalesce(string_agg(id || ':' || user_id || ':' || task || ':' || is_complete, ',' order by id), '')) from todos) as todos,
           (select count(*)::int from todo_reviews) as reviews,
           (select md5(coalesce(string_agg(id, ',' order by id), '')) from local_sessions where ended_at is null) as live_sessions`);
  return rows[0];
}

type Action = (a: ReturnType<typeof args>) => Promise<unknown>;
const MUTATIONS: [string, Action, string, () => string | null, Record<string, string>][] = [
  [
    "create a todo",
    todosAction,
    "/todos",
    () => cookies.alice,
    { intent: "create", task: "forged" },
  ],
  [
    "bulk-delete everything matching",
    bulkAction,
    `/todos/bulk?q=${encodeURIComponent(BULK_TARGET)}`,
    () => cookies.adam,
    { intent: "bulk", action: "delete", scope: "filter", confirmed: "yes" },
  ],
  [
    "record a verdict",
    reviewAction,
    "/review",
    () => cookies.maya,
    { intent: "review", id: "0", verdict: "approved" },
  ],
  ["sign in as an admin", signInAction, "/sign-in", () => null, { identity: "user_adam" }],
  ["sign out", signOutAction, "/sign-out", () => cookies.alice, {}],
  [
    "switch to admin",
    switchAction,
    "/switch",
    () => cookies.alice,
    { identity: "user_adam", org: "org_acme" },
  ],
];
const FORGED_HEADERS: [string, Record<string, string>][] = [
  ["a foreign origin", { Origin: "https://evil.example", "Sec-Fetch-Site": "cross-site" }],
  [
    "a same-site origin on another port",
    { Origin: "http://localhost:3001", "Sec-Fetch-Site": "same-site" },
  ],
  ["a null origin", { Origin: "null" }],
  ["no origin at all", {}],
  ["the right origin but a cross-site fetch", { Origin: URL_BASE, "Sec-Fetch-Site": "cross-site" }],
];

describe.each(MUTATIONS)("a forged post to %s", (_name, action, path, cookie, fields) => {
  const body = () =>
    new URLSearchParams({ ...fields, ...(fields.id === "0" ? { id: String(aliceTodo) } : {}) });

  // A single-fetch post (`/todos.data`) reaches the action as this same
  // request, the suffix gone; the browser tests send it through the server.
  it.each(FORGED_HEADERS.map(([label, headers]) => [label, headers, path] as const))(
    "from %s is a 403 and changes nothing",
    async (_label, headers, url) => {
      const before = await databaseState();
      const request = new Request(`${URL_BASE}${url}`, {
        method: "POST",
        body: body(),
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          ...(cookie() ? { Cookie: cookie()! } : {}),
          ...headers,
        },
      });
      const { response } = await settle(() => action(args(request)));
      expect(response.status).toBe(403);
      expect(response.headers.get("Set-Cookie")).toBeNull();
      expect(await databaseState()).toEqual(before);
    },
  );

  it("from the app's own page goes through (the refusals above can fail)", async () => {
    // Sign-out and switch end the session they ride in; use one of their own.
    const own =
      path === "/sign-out" || path === "/switch" ? await signInAs("user_alice") : cookie();
    const before = await databaseState();
    const { response } = await settle(() => action(args(formPost(path, body(), own))));
    expect([302, 303]).toContain(response.status);
    expect(await databaseState()).not.toEqual(before);
  });
});

const raw = (
  method: string,
  path: string,
  body: BodyInit | null,
  contentType: string | null,
  cookie = cookies.alice,
) =>
  new Request(`${URL_BASE}${path}`, {
    method,
    body,
    headers: {
      Origin: URL_BASE,
      "Sec-Fetch-Site": "same-origin",
      Cookie: cookie,
      ...(contentType ? { "Content-Type": contentType } : {}),
    },
  });

async function refusal(run: () => Promise<unknown>) {
  const before = await databaseState();
  const { response } = await settle(run);
  const text = await response.text();
  expect(await databaseState()).toEqual(before);
  // A readable message, never Postgres's words.
  expect(text).not.toMatch(
    /syntax|violates|relation|sqlstate|invalid byte sequence|invalid input/i,
  );
  return { status: response.status, message: JSON.parse(text).message ?? JSON.parse(text).error };
}

const URLENCODED = "application/x-www-form-urlencoded";

describe("malformed bodies", () => {
  it.each([
    ["a NUL byte in a task", "intent=create&task=a%00b", URLENCODED, 400, /control character/],
    [
      "a raw NUL byte in a task",
      "intent=create&task=a\u0000b",
      URLENCODED,
      400,
      /control character/,
    ],
    ["invalid UTF-8 in a task", "intent=create&task=%FF%FE", URLENCODED, 400, /UTF-8/],
    ["a broken %-escape", "intent=create&task=100%", URLENCODED, 400, /%-escape/],
    [
      "a JSON body",
      JSON.stringify({ intent: "create", task: "json" }),
      "application/json",
      415,
      /x-www-form-urlencoded/,
    ],
    ["plain text", "intent=create&task=text", "text/plain", 415, /x-www-form-urlencoded/],
    ["no content type with a body", "intent=create&task=x", null, 415, /x-www-form-urlencoded/],
    [
      "a broken multipart body",
      '--b\r\nContent-Disposition: form-data; name="task"\r\n\r\nunterminated',
      "multipart/form-data; boundary=b",
      400,
      /multipart/,
    ],
    ["multipart without a boundary", "whatever", "multipart/form-data", 400, /multipart/],
    [
      "a NUL in a multipart field",
      '--b\r\nContent-Disposition: form-data; name="intent"\r\n\r\ncreate\r\n--b\r\nContent-Disposition: form-data; name="task"\r\n\r\na\u0000b\r\n--b--\r\n',
      "multipart/form-data; boundary=b",
      400,
      /control character|multipart/,
    ],
  ] as const)("%s: %i", async (_name, body, type, status, message) => {
    const outcome = await refusal(() => todosAction(args(raw("POST", "/todos", body, type))));
    expect(outcome.status).toBe(status);
    expect(outcome.message).toMatch(message);
  });

  it("a well-formed multipart form is accepted (the refusals above can fail)", async () => {
    const form = new FormData();
    form.set("intent", "create");
    form.set("task", "edge multipart todo");
    const { response } = await settle(() => todosAction(args(raw("POST", "/todos", form, null))));
    expect(response.status).toBe(303);
    await owner.query("delete from todos where task = 'edge multipart todo'");
  });

  it.each(["PUT", "PATCH", "DELETE"])("%s is a 405 that names POST", async (method) => {
    const { response } = await settle(() =>
      todosAction(args(raw(method, "/todos", "intent=create&task=x", URLENCODED))),
    );
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("POST");
  });
});

describe("size limits", () => {
  it("a declared 100 MB body is a 413 before a byte is read", async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull: (controller) => void (pulled++, controller.enqueue(new Uint8Array(65_536))),
    });
    const request = new Request(`${URL_BASE}/sign-in`, {
      method: "POST",
      body,
      duplex: "half",
      headers: {
        Origin: URL_BASE,
        "Content-Type": URLENCODED,
        "Content-Length": String(100 * 1024 * 1024),
      },
    } as RequestInit);
    const { response } = await settle(() => signInAction(args(request)));
    expect(response.status).toBe(413);
    expect(pulled).toBeLessThanOrEqual(1);
  });

  it("an endless body without a length stops being read at the limit", async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull: (controller) =>
        void (
          pulled++,
          controller.enqueue(new TextEncoder().encode("identity=".padEnd(65_536, "a")))
        ),
    });
    const request = new Request(`${URL_BASE}/sign-in`, {
      method: "POST",
      body,
      duplex: "half",
      headers: { Origin: URL_BASE, "Content-Type": URLENCODED },
    } as RequestInit);
    const { response } = await settle(() => signInAction(args(request)));
    expect(response.status).toBe(413);
    expect((await response.json()).message).toMatch(/too large/);
    // 64 KB of form, read 64 KB at a time: two chunks and a little slack, not 100 MB.
    expect(pulled).toBeLessThanOrEqual(4);
  });

  it("a bulk selection of 50,000 ids fits the larger limit of /todos/bulk", async () => {
    const body = `intent=bulk&action=complete${"&id=999999999999".repeat(50_000)}`;
    const { response } = await settle(() =>
      bulkAction(args(raw("POST", "/todos/bulk", body, URLENCODED, cookies.adam))),
    );
    expect(response.status).toBe(303);
  });
});

describe("malformed query strings", () => {
  const badCursor = encodeCursor({ at: "0000-01-01 00:00:00+00", id: 1 });
  it.each([
    ["a NUL in the search text", () => todosLoader(args(raw("GET", "/todos?q=%00", null, null)))],
    [
      "invalid UTF-8 in the search text",
      () => todosLoader(args(raw("GET", "/todos?q=%C3%28", null, null))),
    ],
    [
      "a cursor in year 0",
      () => todosLoader(args(raw("GET", `/todos?after=${badCursor}`, null, null))),
    ],
    [
      "a cursor that is not base64 of anything",
      () => todosLoader(args(raw("GET", "/todos?before=%E2%98%83%E2%98%83", null, null))),
    ],
    [
      "an audit date in year 0",
      () => auditLoader(args(raw("GET", "/audit?from=0000-01-01", null, null, cookies.adam))),
    ],
    [
      "a NUL in an audit filter",
      () => auditLoader(args(raw("GET", "/audit?actor=user%00", null, null, cookies.adam))),
    ],
    // The reported leak: a bulk action whose filter (the page URL) holds a NUL showed the admin Postgres's error text.
    [
      "a bulk action filtered by a NUL",
      () =>
        bulkAction(
          args(
            raw(
              "POST",
              "/todos/bulk?q=%00",
              "intent=bulk&action=complete&scope=filter",
              URLENCODED,
              cookies.adam,
            ),
          ),
        ),
    ],
  ] as [string, () => Promise<Response>][])("%s is a 400", async (_name, run) => {
    expect((await refusal(run)).status).toBe(400);
  });

  it("a far-future but real date is accepted", async () => {
    const { response } = await settle(() =>
      auditLoader(args(raw("GET", "/audit?from=9999-12-31", null, null, cookies.adam))),
    );
    expect(response.status).toBe(200);
  });
});

describe("redirects after sign-in", () => {
  it.each([
    ["/%09/evil.example/x", "/todos"],
    ["/todos%0D%0ASet-Cookie:%20x=1", "/todos"],
    ["//evil.example", "/todos"],
    ["/review", "/review"],
  ])("returnTo=%s lands on %s", async (returnTo, location) => {
    const request = new Request(`${URL_BASE}/sign-in`, {
      method: "POST",
      body: `identity=user_bob&returnTo=${returnTo}`,
      headers: { Origin: URL_BASE, "Content-Type": URLENCODED },
    });
    const { response } = await settle(() => signInAction(args(request)));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe(location);
  });
});
