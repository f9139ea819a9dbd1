import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRolePools } from "../../db/pools.server";
import { DEMO_ORG_ID } from "../../db/demo-identities";
import { ownerPool } from "../../db/testing/identities";
import { action, loader } from "./review";
import { URL_BASE, args, formPost, settle, signInAs } from "../testing/routes";

const ALICE = "user_alice";
const MAYA = "user_maya";
const ADAM = "user_adam";
const FORBIDDEN = { message: "Only moderators and admins can review todos." };

const owner = ownerPool();
// Reviews cascade with their todo, so deleting the todos this file made
// removes every review it made too, and nothing else.
const createdTodos: number[] = [];
let aliceCookie: string;
let mayaCookie: string;
let adamCookie: string;

function post(cookie: string, fields: Record<string, string>) {
  return formPost("/review", fields, cookie);
}

const get = (cookie: string) => new Request(`${URL_BASE}/review`, { headers: { Cookie: cookie } });

/** A todo of alice's, made behind RLS's back: what is under test is reviewing it. */
async function aliceTodo(label: string) {
  const { rows } = await owner.query<{ id: string }>("insert into todos (user_id, task) values ($1, $2) returning id", [ALICE, `review route ${label} ${randomUUID()}`]);
  createdTodos.push(Number(rows[0].id));
  return Number(rows[0].id);
}

type StoredReview = { reviewer_id: string; verdict: string; note: string | null };

async function reviewsOf(todoId: number): Promise<StoredReview[]> {
  const { rows } = await owner.query("select reviewer_id, verdict::text as verdict, note from todo_reviews where todo_id = $1 order by id", [todoId]);
  return rows as StoredReview[];
}

async function reviewCount(): Promise<number> {
  const { rows } = await owner.query("select count(*)::int as n from todo_reviews");
  return rows[0].n;
}

type QueueItem = { id: number; userId: string; verdict: string | null; verdictNote: string | null; reviewerId: string | null };
type LoaderData = { counts: { unreviewed: number; approved: number; flagged: number }; unreviewed: QueueItem[]; flagged: QueueItem[] };

async function load(cookie: string): Promise<LoaderData> {
  const { thrown, response } = await settle(() => loader(args(get(cookie))));
  expect(thrown).toBe(false);
  expect(response.status).toBe(200);
  return (await response.json()) as LoaderData;
}

beforeAll(async () => {
  aliceCookie = await signInAs(ALICE);
  mayaCookie = await signInAs(MAYA);
  adamCookie = await signInAs(ADAM);
});

afterAll(async () => {
  await owner.query("delete from todos where id = any($1::bigint[])", [createdTodos]);
  await owner.end();
  await closeRolePools();
});

describe("a member", () => {
  it("cannot open the queue: the loader throws 403", async () => {
    const { thrown, response } = await settle(() => loader(args(get(aliceCookie))));
    expect(thrown).toBe(true);
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual(FORBIDDEN);
  });

  it("cannot review even their own todo with a crafted POST: 403 and nothing written", async () => {
    const todoId = await aliceTodo("member attempt");
    const before = await reviewCount();
    const { thrown, response } = await settle(() => action(args(post(aliceCookie, { intent: "review", id: String(todoId), verdict: "approved" }))));
    expect(thrown).toBe(true);
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual(FORBIDDEN);
    expect(await reviewsOf(todoId)).toEqual([]);
    expect(await reviewCount()).toBe(before);
  });
});

describe("a moderator reviewing", () => {
  it("records the verdict as themselves with the trimmed note, and redirects back with 303", async () => {
    const todoId = await aliceTodo("approve");
    const { thrown, response } = await settle(() => action(args(post(mayaCookie, { intent: "review", id: String(todoId), verdict: "approved", note: "  looks fine \n" }))));
    expect(thrown).toBe(false);
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/review");
    expect(await reviewsOf(todoId)).toEqual([{ reviewer_id: MAYA, verdict: "approved", note: "looks fine" }]);
  });

  it("stores a whitespace-only note as NULL", async () => {
    const todoId = await aliceTodo("blank note");
    const { response } = await settle(() => action(args(post(mayaCookie, { intent: "review", id: String(todoId), verdict: "flagged", note: "   " }))));
    expect(response.status).toBe(303);
    expect(await reviewsOf(todoId)).toEqual([{ reviewer_id: MAYA, verdict: "flagged", note: null }]);
  });

  it("ignores a reviewer_id smuggled into the form: the reviewer comes from the token", async () => {
    const todoId = await aliceTodo("forged reviewer");
    const { response } = await settle(() => action(args(post(mayaCookie, { intent: "review", id: String(todoId), verdict: "flagged", reviewer_id: ADAM }))));
    expect(response.status).toBe(303);
    expect(await reviewsOf(todoId)).toEqual([{ reviewer_id: MAYA, verdict: "flagged", note: null }]);
  });

  it("a bad verdict answers 400 with the message, and writes nothing", async () => {
    const todoId = await aliceTodo("bad verdict");
    const before = await reviewCount();
    const { thrown, response } = await settle(() => action(args(post(mayaCookie, { intent: "review", id: String(todoId), verdict: "rejected" }))));
    expect(thrown).toBe(false);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "Choose approve or flag.", id: String(todoId) });
    expect(await reviewsOf(todoId)).toEqual([]);
    expect(await reviewCount()).toBe(before);
  });

  it("a note over 1000 characters answers 400 before reaching the database", async () => {
    const todoId = await aliceTodo("long note");
    const { response } = await settle(() => action(args(post(mayaCookie, { intent: "review", id: String(todoId), verdict: "flagged", note: "n".repeat(1001) }))));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "A note can be at most 1000 characters.", id: String(todoId) });
    expect(await reviewsOf(todoId)).toEqual([]);
  });

  it("a todo that does not exist answers 404, and nothing is stored", async () => {
    const { rows } = await owner.query("select coalesce(max(id), 0)::bigint + 1000 as id from todos");
    const missing = String(rows[0].id);
    const before = await reviewCount();
    const { thrown, response } = await settle(() => action(args(post(mayaCookie, { intent: "review", id: missing, verdict: "flagged" }))));
    expect(thrown).toBe(false);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "Not found: that todo no longer exists.", id: missing });
    expect(await reviewCount()).toBe(before);
  });
});

describe("the queue", () => {
  it("flagging a todo moves it from unreviewed to flagged; approving it moves it on to approved", async () => {
    const todoId = await aliceTodo("queue");
    const before = await load(mayaCookie);
    expect(before.flagged.map((item) => item.id)).not.toContain(todoId);

    const flag = await settle(() => action(args(post(mayaCookie, { intent: "review", id: String(todoId), verdict: "flagged", note: "spam?" }))));
    expect(flag.response.status).toBe(303);
    const flagged = await load(mayaCookie);
    expect(flagged.counts).toEqual({ unreviewed: before.counts.unreviewed - 1, flagged: before.counts.flagged + 1, approved: before.counts.approved });
    // The most recently flagged comes first.
    expect(flagged.flagged[0]).toMatchObject({ id: todoId, userId: ALICE, verdict: "flagged", verdictNote: "spam?", reviewerId: MAYA });
    expect(flagged.unreviewed.map((item) => item.id)).not.toContain(todoId);

    // A later verdict replaces the earlier one: counts follow the latest review.
    const approve = await settle(() => action(args(post(mayaCookie, { intent: "review", id: String(todoId), verdict: "approved" }))));
    expect(approve.response.status).toBe(303);
    const approved = await load(mayaCookie);
    expect(approved.counts).toEqual({ unreviewed: before.counts.unreviewed - 1, flagged: before.counts.flagged, approved: before.counts.approved + 1 });
    expect(approved.flagged.map((item) => item.id)).not.toContain(todoId);
    expect(await reviewsOf(todoId)).toHaveLength(2);
  });

  it("counts add up to every todo the moderator can see: all of her organization's", async () => {
    const { counts } = await load(mayaCookie);
    const { rows } = await owner.query("select count(*)::int as n from todos where tenant_id = $1", [DEMO_ORG_ID]);
    expect(counts.unreviewed + counts.approved + counts.flagged).toBe(rows[0].n);
  });

  it("an admin can open it too, and sees the same counts", async () => {
    const asModerator = await load(mayaCookie);
    const asAdmin = await load(adamCookie);
    expect(asAdmin.counts).toEqual(asModerator.counts);
    expect(asAdmin.flagged.map((item) => item.id)).toEqual(asModerator.flagged.map((item) => item.id));
  });

  it("an admin's review is recorded as the admin", async () => {
    const todoId = await aliceTodo("admin review");
    const { response } = await settle(() => action(args(post(adamCookie, { intent: "review", id: String(todoId), verdict: "approved" }))));
    expect(response.status).toBe(303);
    expect(await reviewsOf(todoId)).toEqual([{ reviewer_id: ADAM, verdict: "approved", note: null }]);
  });
});

describe("separation of duties", () => {
  it.each([
    [MAYA, () => mayaCookie],
    [ADAM, () => adamCookie],
  ])("%s is never offered their own todo, and a forced verdict on it is a 403 that stores nothing", async (userId, cookie) => {
    const { rows } = await owner.query<{ id: string }>("insert into todos (user_id, task) values ($1, $2) returning id", [userId, `own todo ${randomUUID()}`]);
    const own = Number(rows[0].id);
    createdTodos.push(own);
    await owner.query("insert into todo_reviews (todo_id, reviewer_id, verdict, reason) values ($1, 'user_other_mod', 'flagged', 'spam')", [own]);
    const other = await aliceTodo("offered after the check");

    const queue = await load(cookie());
    expect(queue.flagged.length).toBeGreaterThan(0);
    const offered = [...queue.unreviewed, ...queue.flagged].map((item) => item.id);
    expect(offered).not.toContain(own);
    // Flagged just now, it would head the flagged list if it were offered.

    const { response } = await settle(() => action(args(post(cookie(), { intent: "review", id: String(own), verdict: "approved" }))));
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: "You cannot record a verdict on your own todo; another moderator reviews it.", id: String(own) });
    expect(await reviewsOf(own)).toEqual([{ reviewer_id: "user_other_mod", verdict: "flagged", note: null }]);

    const allowed = await settle(() => action(args(post(cookie(), { intent: "review", id: String(other), verdict: "approved" }))));
    expect(allowed.response.status).toBe(303);
  });
});
