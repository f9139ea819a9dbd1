import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRolePools } from "../../db/pools.server";
import { DEMO_IDENTITIES, DEMO_ORG_ID } from "../../db/demo-identities";
import { closeDirectoryPool } from "../../db/directory/apply.server";
import { addMembers } from "../../db/testing/directory";
import { ownerPool } from "../../db/testing/identities";
import { action, loader } from "./review";
import { URL_BASE, args, formPost, settle, signInAs } from "../testing/routes";

const ALICE = "user_alice";
const MAYA = "user_maya";
const ADAM = "user_adam";
const RITA = "user_rita";
const FORBIDDEN = { message: "Only moderators and admins can review todos." };

const owner = ownerPool();
// Reviews cascade with their todo, so deleting the todos this file made
// removes every review it made too, and nothing else.
const createdTodos: number[] = [];
let aliceCookie: string;
let mayaCookie: string;
let adamCookie: string;
let ritaCookie: string;

function post(cookie: string, fields: Record<string, string>) {
  return formPost("/review", fields, cookie);
}

const get = (cookie: string) => new Request(`${URL_BASE}/review`, { headers: { Cookie: cookie } });

/** A todo of alice's, made behind RLS's back: what is under test is reviewing it. */
async function aliceTodo(label: string) {
  const { rows } = await owner.query<{ id: string }>(
    "insert into todos (user_id, task) values ($1, $2) returning id",
    [ALICE, `review route ${label} ${randomUUID()}`],
  );
  createdTodos.push(Number(rows[0].id));
  return Number(rows[0].id);
}

type StoredReview = { reviewer_id: string; verdict: string; note: string | null };

async function reviewsOf(todoId: number): Promise<StoredReview[]> {
  const { rows } = await owner.query(
    "select reviewer_id, verdict::text as verdict, note from todo_reviews where todo_id = $1 order by id",
    [todoId],
  );
  return rows as StoredReview[];
}

async function reviewCount(): Promise<number> {
  const { rows } = await owner.query("select count(*)::int as n from todo_reviews");
  return rows[0].n;
}

type Claim = { by: { id: string; name: string | null }; mine: boolean; expiresAt: string };
type QueueItem = {
  id: number;
  userId: string;
  verdict: string | null;
  verdictReason: string | null;
  verdictNote: string | null;
  reviewerId: string | null;
  claim: Claim | null;
};
type Escalation = {
  todoId: number;
  by: { id: string; name: string | null };
  reason: string;
  note: string | null;
  claim: Claim | null;
};
type LoaderData = {
  counts: { unreviewed: number; approved: number; flagged: number; escalated: number };
  unreviewed: QueueItem[];
  flagged: QueueItem[];
  escalations: Escalation[];
  claimMinutes: number;
  can: { escalate: boolean; resolve: boolean };
};

async function load(cookie: string): Promise<LoaderData> {
  const { thrown, response } = await settle(() => loader(args(get(cookie))));
  expect(thrown).toBe(false);
  expect(response.status).toBe(200);
  return (await response.json()) as LoaderData;
}

// Acme's people as the seed writes them, so the queue names them.
const ACME = DEMO_IDENTITIES.flatMap((person) =>
  person.memberships
    .filter((m) => m.orgId === DEMO_ORG_ID)
    .map((m) => ({ userId: person.userId, name: person.name, role: m.role })),
);

beforeAll(async () => {
  await addMembers(DEMO_ORG_ID, ACME, "Acme");
  aliceCookie = await signInAs(ALICE);
  mayaCookie = await signInAs(MAYA);
  adamCookie = await signInAs(ADAM);
  ritaCookie = await signInAs(RITA);
});

afterAll(async () => {
  await owner.query("delete from todo_claims where todo_id = any($1::bigint[])", [createdTodos]);
  await owner.query("delete from todo_escalations where todo_id = any($1::bigint[])", [
    createdTodos,
  ]);
  await owner.query("delete from todos where id = any($1::bigint[])", [createdTodos]);
  const people = ACME.map((person) => person.userId);
  await owner.query(
    "delete from directory.memberships where organization_id = $1 and user_id = any($2::text[])",
    [DEMO_ORG_ID, people],
  );
  await owner.query("delete from directory.users where id = any($1::text[])", [people]);
  await owner.end();
  await closeRolePools();
  await closeDirectoryPool();
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
    const { thrown, response } = await settle(() =>
      action(
        args(post(aliceCookie, { intent: "review", id: String(todoId), verdict: "approved" })),
      ),
    );
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
    const { thrown, response } = await settle(() =>
      action(
        args(
          post(mayaCookie, {
            intent: "review",
            id: String(todoId),
            verdict: "approved",
            note: "  looks fine \n",
          }),
        ),
      ),
    );
    expect(thrown).toBe(false);
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/review");
    expect(await reviewsOf(todoId)).toEqual([
      { reviewer_id: MAYA, verdict: "approved", note: "looks fine" },
    ]);
  });

  it("stores a whitespace-only note as NULL", async () => {
    const todoId = await aliceTodo("blank note");
    const { response } = await settle(() =>
      action(
        args(
          post(mayaCookie, {
            intent: "review",
            id: String(todoId),
            verdict: "flagged",
            reason: "spam",
            note: "   ",
          }),
        ),
      ),
    );
    expect(response.status).toBe(303);
    expect(await reviewsOf(todoId)).toEqual([
      { reviewer_id: MAYA, verdict: "flagged", note: null },
    ]);
  });

  it("ignores a reviewer_id smuggled into the form: the reviewer comes from the token", async () => {
    const todoId = await aliceTodo("forged reviewer");
    const { response } = await settle(() =>
      action(
        args(
          post(mayaCookie, {
            intent: "review",
            id: String(todoId),
            verdict: "flagged",
            reason: "spam",
            reviewer_id: ADAM,
          }),
        ),
      ),
    );
    expect(response.status).toBe(303);
    expect(await reviewsOf(todoId)).toEqual([
      { reviewer_id: MAYA, verdict: "flagged", note: null },
    ]);
  });

  it("a bad verdict answers 400 with the message, and writes nothing", async () => {
    const todoId = await aliceTodo("bad verdict");
    const before = await reviewCount();
    const { thrown, response } = await settle(() =>
      action(args(post(mayaCookie, { intent: "review", id: String(todoId), verdict: "rejected" }))),
    );
    expect(thrown).toBe(false);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "Choose approve or flag.", id: String(todoId) });
    expect(await reviewsOf(todoId)).toEqual([]);
    expect(await reviewCount()).toBe(before);
  });

  it("a note over 1000 characters answers 400 before reaching the database", async () => {
    const todoId = await aliceTodo("long note");
    const { response } = await settle(() =>
      action(
        args(
          post(mayaCookie, {
            intent: "review",
            id: String(todoId),
            verdict: "flagged",
            note: "n".repeat(1001),
          }),
        ),
      ),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: "A note can be at most 1000 characters.",
      id: String(todoId),
    });
    expect(await reviewsOf(todoId)).toEqual([]);
  });

  it("a todo that does not exist answers 404, and nothing is stored", async () => {
    const { rows } = await owner.query(
      "select coalesce(max(id), 0)::bigint + 1000 as id from todos",
    );
    const missing = String(rows[0].id);
    const before = await reviewCount();
    const { thrown, response } = await settle(() =>
      action(
        args(
          post(mayaCookie, { intent: "review", id: missing, verdict: "flagged", reason: "spam" }),
        ),
      ),
    );
    expect(thrown).toBe(false);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: "Not found: that todo no longer exists.",
      id: missing,
    });
    expect(await reviewCount()).toBe(before);
  });
});

describe("the queue", () => {
  it("flagging a todo moves it from unreviewed to flagged; approving it moves it on to approved", async () => {
    const todoId = await aliceTodo("queue");
    const before = await load(mayaCookie);
    expect(before.flagged.map((item) => item.id)).not.toContain(todoId);

    const flag = await settle(() =>
      action(
        args(
          post(mayaCookie, {
            intent: "review",
            id: String(todoId),
            verdict: "flagged",
            reason: "spam",
            note: "spam?",
          }),
        ),
      ),
    );
    expect(flag.response.status).toBe(303);
    const flagged = await load(mayaCookie);
    expect(flagged.counts).toMatchObject({
      unreviewed: before.counts.unreviewed - 1,
      flagged: before.counts.flagged + 1,
      approved: before.counts.approved,
    });
    // The most recently flagged comes first.
    expect(flagged.flagged[0]).toMatchObject({
      id: todoId,
      userId: ALICE,
      verdict: "flagged",
      verdictReason: "spam",
      verdictNote: "spam?",
      reviewerId: MAYA,
    });
    expect(flagged.unreviewed.map((item) => item.id)).not.toContain(todoId);

    // A later verdict replaces the earlier one: counts follow the latest review.
    const approve = await settle(() =>
      action(args(post(mayaCookie, { intent: "review", id: String(todoId), verdict: "approved" }))),
    );
    expect(approve.response.status).toBe(303);
    const approved = await load(mayaCookie);
    expect(approved.counts).toMatchObject({
      unreviewed: before.counts.unreviewed - 1,
      flagged: before.counts.flagged,
      approved: before.counts.approved + 1,
    });
    expect(approved.flagged.map((item) => item.id)).not.toContain(todoId);
    expect(await reviewsOf(todoId)).toHaveLength(2);
  });

  it("counts add up to every todo the moderator can see: all of her organization's", async () => {
    const { counts } = await load(mayaCookie);
    const { rows } = await owner.query(
      "select count(*)::int as n from todos where tenant_id = $1",
      [DEMO_ORG_ID],
    );
    expect(counts.unreviewed + counts.approved + counts.flagged).toBe(rows[0].n);
  });

  it("an admin can open it too, and sees the same counts", async () => {
    const asModerator = await load(mayaCookie);
    const asAdmin = await load(adamCookie);
    expect(asAdmin.counts).toEqual(asModerator.counts);
    expect(asAdmin.flagged.map((item) => item.id)).toEqual(
      asModerator.flagged.map((item) => item.id),
    );
  });

  it("an admin's review is recorded as the admin", async () => {
    const todoId = await aliceTodo("admin review");
    const { response } = await settle(() =>
      action(args(post(adamCookie, { intent: "review", id: String(todoId), verdict: "approved" }))),
    );
    expect(response.status).toBe(303);
    expect(await reviewsOf(todoId)).toEqual([
      { reviewer_id: ADAM, verdict: "approved", note: null },
    ]);
  });
});

describe("separation of duties", () => {
  it.each([
    [MAYA, () => mayaCookie],
    [ADAM, () => adamCookie],
  ])(
    "%s is never offered their own todo, and a forced verdict on it is a 403 that stores nothing",
    async (userId, cookie) => {
      const { rows } = await owner.query<{ id: string }>(
        "insert into todos (user_id, task) values ($1, $2) returning id",
        [userId, `own todo ${randomUUID()}`],
      );
      const own = Number(rows[0].id);
      createdTodos.push(own);
      await owner.query(
        "insert into todo_reviews (todo_id, reviewer_id, verdict, reason) values ($1, 'user_other_mod', 'flagged', 'spam')",
        [own],
      );
      const other = await aliceTodo("offered after the check");

      const queue = await load(cookie());
      expect(queue.flagged.length).toBeGreaterThan(0);
      const offered = [...queue.unreviewed, ...queue.flagged].map((item) => item.id);
      expect(offered).not.toContain(own);
      // Flagged just now, it would head the flagged list if it were offered.

      const { response } = await settle(() =>
        action(args(post(cookie(), { intent: "review", id: String(own), verdict: "approved" }))),
      );
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({
        error: "You cannot record a verdict on your own todo; another moderator reviews it.",
        id: String(own),
      });
      expect(await reviewsOf(own)).toEqual([
        { reviewer_id: "user_other_mod", verdict: "flagged", note: null },
      ]);

      const allowed = await settle(() =>
        action(args(post(cookie(), { intent: "review", id: String(other), verdict: "approved" }))),
      );
      expect(allowed.response.status).toBe(303);
    },
  );
});

/** Answers a post with: status, and the body when it is not a redirect. A thrown response (a 403 of the doorman) counts the same. */
async function answer(cookie: string, fields: Record<string, string>) {
  const { response } = await settle(() => action(args(post(cookie, fields))));
  return { status: response.status, body: response.status === 303 ? null : await response.json() };
}

async function claimsOf(todoId: number) {
  const { rows } = await owner.query(
    "select claimant_id from todo_claims where todo_id = $1 and expires_at > now()",
    [todoId],
  );
  return rows.map((row) => row.claimant_id);
}

async function openEscalationsOf(todoId: number) {
  const { rows } = await owner.query(
    "select escalated_by, reason::text as reason, note, resolved_by from todo_escalations where todo_id = $1 order by id",
    [todoId],
  );
  return rows;
}

describe("reasons", () => {
  it.each([
    ["no reason", {}, "Choose a reason for the flag."],
    ["the picker's empty choice", { reason: "" }, "Choose a reason for the flag."],
    ["a reason not on the list", { reason: "boring" }, "Choose a reason from the list."],
  ])(
    "a flag with %s answers 400 with the message, and nothing is stored",
    async (_name, extra, error) => {
      const todoId = await aliceTodo("flag without reason");
      expect(
        await answer(mayaCookie, {
          intent: "review",
          id: String(todoId),
          verdict: "flagged",
          ...extra,
        }),
      ).toEqual({ status: 400, body: { error, id: String(todoId) } });
      expect(await reviewsOf(todoId)).toEqual([]);
    },
  );

  it("a flag keeps its reason; an approval keeps none, even one chosen in the picker", async () => {
    const flagged = await aliceTodo("flag with reason");
    const approved = await aliceTodo("approve with reason");
    expect(
      await answer(mayaCookie, {
        intent: "review",
        id: String(flagged),
        verdict: "flagged",
        reason: "off-topic",
      }),
    ).toEqual({ status: 303, body: null });
    expect(
      await answer(mayaCookie, {
        intent: "review",
        id: String(approved),
        verdict: "approved",
        reason: "spam",
      }),
    ).toEqual({ status: 303, body: null });
    const { rows } = await owner.query(
      "select todo_id::int as id, reason::text as reason from todo_reviews where todo_id = any($1::bigint[]) order by todo_id",
      [[flagged, approved]],
    );
    expect(rows).toEqual([
      { id: flagged, reason: "off-topic" },
      { id: approved, reason: null },
    ]);
  });
});

describe("claims", () => {
  it("Maya claims; Rita sees it claimed by Maya, listed after the unclaimed items, and can neither claim it nor record a verdict (409)", async () => {
    const claimed = await aliceTodo("claimed by maya");
    expect(await answer(mayaCookie, { intent: "claim", id: String(claimed) })).toEqual({
      status: 303,
      body: null,
    });
    expect(await claimsOf(claimed)).toEqual([MAYA]);

    const asMaya = (await load(mayaCookie)).unreviewed.find((item) => item.id === claimed);
    expect(asMaya?.claim).toMatchObject({ by: { id: MAYA, name: "Maya" }, mine: true });
    const queue = await load(ritaCookie);
    const item = queue.unreviewed.find((entry) => entry.id === claimed);
    expect(item?.claim).toMatchObject({ by: { id: MAYA, name: "Maya" }, mine: false });
    const order = queue.unreviewed.map((entry) =>
      entry.claim && !entry.claim.mine ? "claimed" : "open",
    );
    expect(order).toEqual([...order].sort((a, b) => (a === b ? 0 : a === "open" ? -1 : 1)));

    expect(await answer(ritaCookie, { intent: "claim", id: String(claimed) })).toEqual({
      status: 409,
      body: { error: "Already claimed by Maya.", id: String(claimed) },
    });
    expect(
      await answer(ritaCookie, { intent: "review", id: String(claimed), verdict: "approved" }),
    ).toEqual({
      status: 409,
      body: {
        error:
          "Maya has claimed this todo; it is theirs to review until they release it or the claim runs out.",
        id: String(claimed),
      },
    });
    expect(await answer(ritaCookie, { intent: "release", id: String(claimed) })).toEqual({
      status: 409,
      body: { error: "You hold no claim on that todo: it may have run out.", id: String(claimed) },
    });
    expect(await reviewsOf(claimed)).toEqual([]);
    expect(await claimsOf(claimed)).toEqual([MAYA]);
  });

  it("the holder's verdict ends the claim; a release ends it too", async () => {
    const reviewed = await aliceTodo("claimed then reviewed");
    const released = await aliceTodo("claimed then released");
    await answer(mayaCookie, { intent: "claim", id: String(reviewed) });
    await answer(mayaCookie, { intent: "claim", id: String(released) });
    expect(
      await answer(mayaCookie, {
        intent: "review",
        id: String(reviewed),
        verdict: "flagged",
        reason: "duplicate",
      }),
    ).toEqual({ status: 303, body: null });
    expect(await answer(mayaCookie, { intent: "release", id: String(released) })).toEqual({
      status: 303,
      body: null,
    });
    expect([...(await claimsOf(reviewed)), ...(await claimsOf(released))]).toEqual([]);
    expect(await answer(ritaCookie, { intent: "claim", id: String(released) })).toEqual({
      status: 303,
      body: null,
    });
  });

  it("a todo that is gone is 404, one's own todo 403, and a member's claim 403 before any database work", async () => {
    const { rows } = await owner.query(
      "select coalesce(max(id), 0)::bigint + 1000 as id from todos",
    );
    expect(await answer(mayaCookie, { intent: "claim", id: String(rows[0].id) })).toEqual({
      status: 404,
      body: { error: "Not found: that todo no longer exists.", id: String(rows[0].id) },
    });
    const own = (
      await owner.query<{ id: string }>(
        "insert into todos (user_id, task) values ($1, 'maya claims her own') returning id",
        [MAYA],
      )
    ).rows[0].id;
    createdTodos.push(Number(own));
    expect(await answer(mayaCookie, { intent: "claim", id: own })).toEqual({
      status: 403,
      body: { error: "You cannot claim your own todo; another moderator reviews it.", id: own },
    });
    const todoId = await aliceTodo("member claims");
    expect(await answer(aliceCookie, { intent: "claim", id: String(todoId) })).toEqual({
      status: 403,
      body: FORBIDDEN,
    });
    expect(await answer(mayaCookie, { intent: "claim" })).toEqual({
      status: 400,
      body: { error: "Missing todo id." },
    });
    expect(await claimsOf(todoId)).toEqual([]);
  });
});

describe("escalations", () => {
  it("Maya escalates with a reason; Adam's queue lists it, and he resolves it; a second resolve is 404", async () => {
    const todoId = await aliceTodo("escalated");
    expect(
      await answer(mayaCookie, {
        intent: "escalate",
        id: String(todoId),
        reason: "abuse",
        note: " see thread ",
      }),
    ).toEqual({ status: 303, body: null });
    expect(await openEscalationsOf(todoId)).toEqual([
      { escalated_by: MAYA, reason: "abuse", note: "see thread", resolved_by: null },
    ]);
    expect(
      await answer(mayaCookie, { intent: "escalate", id: String(todoId), reason: "spam" }),
    ).toEqual({
      status: 409,
      body: { error: "That todo is already escalated to the admins.", id: String(todoId) },
    });

    const adams = await load(adamCookie);
    expect(adams.can).toEqual({ escalate: false, resolve: true });
    expect(adams.escalations.find((escalation) => escalation.todoId === todoId)).toMatchObject({
      by: { id: MAYA, name: "Maya" },
      reason: "abuse",
      note: "see thread",
    });
    expect(adams.counts.escalated).toBeGreaterThan(0);
    expect((await load(mayaCookie)).can).toEqual({ escalate: true, resolve: false });

    expect(await answer(adamCookie, { intent: "resolve", id: String(todoId) })).toEqual({
      status: 303,
      body: null,
    });
    expect(await openEscalationsOf(todoId)).toEqual([
      { escalated_by: MAYA, reason: "abuse", note: "see thread", resolved_by: ADAM },
    ]);
    expect(await answer(adamCookie, { intent: "resolve", id: String(todoId) })).toEqual({
      status: 404,
      body: { error: "Not found: that todo has no open escalation.", id: String(todoId) },
    });
    expect(
      (await load(adamCookie)).escalations.map((escalation) => escalation.todoId),
    ).not.toContain(todoId);
  });

  it("only admins resolve, only moderators escalate, and an escalation needs a reason", async () => {
    const todoId = await aliceTodo("who does what");
    expect(await answer(mayaCookie, { intent: "escalate", id: String(todoId) })).toEqual({
      status: 400,
      body: { error: "Choose a reason for the escalation.", id: String(todoId) },
    });
    expect(
      await answer(adamCookie, { intent: "escalate", id: String(todoId), reason: "spam" }),
    ).toEqual({
      status: 403,
      body: { message: "Only moderators escalate todos; admins resolve them." },
    });
    expect(
      await answer(mayaCookie, { intent: "escalate", id: String(todoId), reason: "spam" }),
    ).toEqual({ status: 303, body: null });
    expect(await answer(mayaCookie, { intent: "resolve", id: String(todoId) })).toEqual({
      status: 403,
      body: { message: "Only admins can resolve escalations." },
    });
    expect(await answer(aliceCookie, { intent: "resolve", id: String(todoId) })).toEqual({
      status: 403,
      body: FORBIDDEN,
    });
    expect(await openEscalationsOf(todoId)).toEqual([
      { escalated_by: MAYA, reason: "spam", note: null, resolved_by: null },
    ]);
  });
});
