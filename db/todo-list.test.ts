import type { Identity } from "../roles/identity";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "./cursor";
import type { ClerkOrgRole } from "../roles/roles";
import { freshUserId, ownerPool, identityFor } from "./testing/identities";
import { closeRolePools } from "./pools.server";
import { withIdentity } from "./scoped.server";
import {
  listTodoPage,
  type Cursor,
  type TodoFilter,
  type TodoListQuery,
  type TodoPage,
} from "./todo-list.server";

const owner = ownerPool();
const LIMIT = 7;
const TOTAL = 60;
const BASE = "2001-02-03 04:05:06+00";
// Every task carries this, so `q` isolates this run's rows from everything else in the shared database.
const marker = `keyset-${randomUUID().slice(0, 8)}`;
const owners = [freshUserId("pager_a"), freshUserId("pager_b"), freshUserId("pager_c")];
const searchOwner = freshUserId("pager_search");

interface Seeded {
  id: number;
  userId: string;
  isComplete: boolean;
  /** Microseconds after BASE: exact, unlike a JS Date. */
  offset: number;
}
const seeded: Seeded[] = [];
const searchIds = new Map<string, number>();

/**
 * Three shapes of inserted_at, each of which breaks a different wrong cursor:
 * pairs of ties a second apart, one run of 20 identical timestamps (spans
 * three pages, so only the id can order it), and 20 rows one microsecond
 * apart (a cursor rounded to milliseconds would skip or repeat them).
 */
const offsetFor = (k: number) =>
  k < 20 ? Math.floor(k / 2) * 1_000_000 : k < 40 ? 50_000_000 : 60_000_000 + (k - 40);

/** Deterministic shuffle, so insertion (and so id) order disagrees with time order. */
function shuffled<T>(items: T[]): T[] {
  const result = [...items];
  let seed = 42;
  for (let i = result.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [result[i], result[j]] = [result[j], result[i]];
  }
  return result;
}

beforeAll(async () => {
  const plan = shuffled([...Array(TOTAL).keys()]).map((k) => ({
    k,
    userId: owners[k % 3],
    isComplete: k % 4 === 0,
    offset: offsetFor(k),
  }));
  for (const row of plan) {
    const { rows } = await owner.query<{ id: string }>(
      "insert into todos (user_id, task, is_complete, inserted_at) values ($1, $2, $3, $4::timestamptz + $5::bigint * interval '1 microsecond') returning id",
      [row.userId, `${marker} row ${row.k}.`, row.isComplete, BASE, row.offset],
    );
    seeded.push({
      id: Number(rows[0].id),
      userId: row.userId,
      isComplete: row.isComplete,
      offset: row.offset,
    });
  }
  // Each task is a trap for one unescaped LIKE wildcard: it matches only if `%`, `_` or `\` act as patterns.
  const tasks = ["100% done_x", "1000 done", "1000 doneyx", "a_b", "ab", "path\\to", "htdocs"];
  for (const [i, task] of tasks.entries()) {
    const { rows } = await owner.query<{ id: string }>(
      "insert into todos (user_id, task, inserted_at) values ($1, $2, $3::timestamptz + $4::bigint * interval '1 second') returning id",
      [searchOwner, task, BASE, i],
    );
    searchIds.set(task, Number(rows[0].id));
  }
});

afterAll(async () => {
  await owner.query("delete from todos where user_id = any($1::text[])", [
    [...owners, searchOwner],
  ]);
  await owner.end();
  await closeRolePools();
});

/** Expected order computed here, not by Postgres: newest first, ties broken by the larger id. */
const newestFirst = (rows: Seeded[]) =>
  [...rows].sort((a, b) => b.offset - a.offset || b.id - a.id).map((row) => row.id);

const identities = new Map<string, Identity>();
async function page(
  userId: string,
  orgRole: ClerkOrgRole,
  query: TodoListQuery,
): Promise<TodoPage> {
  const key = `${userId} ${orgRole}`;
  if (!identities.has(key)) identities.set(key, identityFor(userId, orgRole));
  return withIdentity(identities.get(key)!, (tx) => listTodoPage(tx, { limit: LIMIT, ...query }));
}

/** Cursors go through the URL in the app, so they do here too. */
const viaUrl = (cursor: Cursor) => {
  const decoded = decodeCursor(encodeCursor(cursor));
  expect(decoded).toEqual(cursor);
  return decoded!;
};

const moderator = freshUserId("pager_mod");
const ids = (p: TodoPage) => p.rows.map((row) => row.id);

async function walkForward(
  query: TodoListQuery,
  as: [string, ClerkOrgRole] = [moderator, "org:moderator"],
) {
  const pages: TodoPage[] = [await page(...as, query)];
  while (pages.at(-1)!.next) {
    expect(pages.length).toBeLessThan(TOTAL);
    pages.push(await page(...as, { ...query, after: viaUrl(pages.at(-1)!.next!) }));
  }
  return pages;
}

async function walkBackward(query: TodoListQuery, from: TodoPage) {
  const pages: TodoPage[] = [from];
  while (pages.at(-1)!.previous) {
    expect(pages.length).toBeLessThan(TOTAL);
    pages.push(
      await page(moderator, "org:moderator", { ...query, before: viaUrl(pages.at(-1)!.previous!) }),
    );
  }
  return pages;
}

function expectWellFormed(pages: TodoPage[]) {
  expect(pages[0].previous).toBeNull();
  expect(pages.at(-1)!.next).toBeNull();
  for (const [i, p] of pages.entries()) {
    if (i < pages.length - 1) expect(p.rows).toHaveLength(LIMIT);
    if (i > 0) expect(p.previous).toEqual({ at: p.rows[0].insertedAt, id: p.rows[0].id });
    if (i < pages.length - 1)
      expect(p.next).toEqual({ at: p.rows.at(-1)!.insertedAt, id: p.rows.at(-1)!.id });
  }
}

describe("keyset pages, as a moderator", () => {
  const query: TodoListQuery = { sort: "newest", q: marker };

  it("the arrangement has ties and microsecond neighbours, and its own ids disagree with time order", () => {
    const offsets = seeded.map((row) => row.offset);
    expect(new Set(offsets).size).toBeLessThan(TOTAL);
    expect(offsets).toContain(60_000_001);
    const byId = [...seeded].sort((a, b) => b.id - a.id).map((row) => row.id);
    expect(byId).not.toEqual(newestFirst(seeded));
  });

  it("walking forward visits every row once, newest first, ties by id descending", async () => {
    const pages = await walkForward(query);
    expectWellFormed(pages);
    expect(pages).toHaveLength(Math.ceil(TOTAL / LIMIT));
    const walked = pages.flatMap(ids);
    expect(new Set(walked).size).toBe(walked.length);
    expect(walked).toEqual(newestFirst(seeded));
  });

  it("cursors carry Postgres's own timestamp text, exact to the microsecond", async () => {
    const pages = await walkForward(query);
    const timestamps = pages.flatMap((p) => p.rows.map((row) => row.insertedAt));
    expect(timestamps).toContain("2001-02-03 04:06:06.000001+00");
  });

  it("walking back from the last page gives the same pages in reverse", async () => {
    const forward = await walkForward(query);
    const backward = await walkBackward(query, forward.at(-1)!);
    expect(backward.map(ids)).toEqual(forward.map(ids).reverse());
    expect(backward.at(-1)!.previous).toBeNull();
    // A page reached backwards still links forward.
    for (const p of backward.slice(1)) expect(p.next).not.toBeNull();
  });

  it("a forward step from a page reached backwards lands on the page after it", async () => {
    const forward = await walkForward(query);
    const third = await page(moderator, "org:moderator", {
      ...query,
      before: viaUrl(forward[3].previous!),
    });
    expect(ids(third)).toEqual(ids(forward[2]));
    const fourth = await page(moderator, "org:moderator", { ...query, after: viaUrl(third.next!) });
    expect(ids(fourth)).toEqual(ids(forward[3]));
  });

  it("sort=oldest walks the exact reverse order, forward and back", async () => {
    const oldest = { ...query, sort: "oldest" as const };
    const pages = await walkForward(oldest);
    expectWellFormed(pages);
    expect(pages.flatMap(ids)).toEqual(newestFirst(seeded).reverse());
    const backward = await walkBackward(oldest, pages.at(-1)!);
    expect(backward.map(ids)).toEqual(pages.map(ids).reverse());
  });

  it("a single page when everything fits has neither link", async () => {
    const all = await page(moderator, "org:moderator", { ...query, limit: TOTAL });
    expect(all.rows).toHaveLength(TOTAL);
    expect(all.next).toBeNull();
    expect(all.previous).toBeNull();
    const short = await page(moderator, "org:moderator", { ...query, limit: TOTAL - 1 });
    expect(short.next).not.toBeNull();
  });
});

describe("filters", () => {
  const walkedIds = async (filter: TodoFilter) =>
    (await walkForward({ sort: "newest", ...filter })).flatMap(ids);

  it.each([
    ["open", false],
    ["complete", true],
  ] as const)("status=%s, across pages", async (status, isComplete) => {
    const expected = newestFirst(seeded.filter((row) => row.isComplete === isComplete));
    expect(expected.length).toBeGreaterThan(LIMIT);
    expect(await walkedIds({ q: marker, status })).toEqual(expected);
  });

  it("owner, across pages, with no other filter", async () => {
    const expected = newestFirst(seeded.filter((row) => row.userId === owners[1]));
    expect(expected.length).toBeGreaterThan(LIMIT);
    expect(await walkedIds({ owner: owners[1] })).toEqual(expected);
  });

  it("owner and status together", async () => {
    expect(await walkedIds({ owner: owners[0], status: "complete" })).toEqual(
      newestFirst(seeded.filter((row) => row.userId === owners[0] && row.isComplete)),
    );
  });

  it("q matches anywhere in the task, case-insensitively", async () => {
    expect(await walkedIds({ q: marker.toUpperCase() })).toEqual(newestFirst(seeded));
    const one = seeded[0];
    const { rows } = await owner.query<{ task: string }>("select task from todos where id = $1", [
      one.id,
    ]);
    // The trailing "." keeps "row 1." from matching "row 10.".
    expect(await walkedIds({ q: rows[0].task.toUpperCase() })).toEqual([one.id]);
  });

  it.each([
    ["100%", ["100% done_x"]],
    ["0%", ["100% done_x"]],
    ["%", ["100% done_x"]],
    ["done_x", ["100% done_x"]],
    ["DONE_X", ["100% done_x"]],
    ["_", ["a_b", "100% done_x"]],
    ["a_b", ["a_b"]],
    ["h\\t", ["path\\to"]],
    ["1000 done", ["1000 doneyx", "1000 done"]],
  ])("q=%j matches %j literally", async (q, tasks) => {
    expect(await walkedIds({ owner: searchOwner, q })).toEqual(
      tasks.map((task) => searchIds.get(task)),
    );
  });
});

describe("as a member", () => {
  it("the same query without an owner filter returns only their own rows, in order, across pages", async () => {
    const member = owners[2];
    const pages = await walkForward({ sort: "newest" }, [member, "org:member"]);
    expectWellFormed(pages);
    const rows = pages.flatMap((p) => p.rows);
    expect(rows.every((row) => row.userId === member)).toBe(true);
    expect(rows.map((row) => row.id)).toEqual(
      newestFirst(seeded.filter((row) => row.userId === member)),
    );
  });

  it("filtering by someone else's id finds nothing rather than their rows", async () => {
    const result = await page(owners[2], "org:member", { sort: "newest", owner: owners[0] });
    expect(result).toEqual({ rows: [], modifiable: [], next: null, previous: null });
  });
});
