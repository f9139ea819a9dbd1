import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClerkOrgRole } from "../roles/roles";
import { claimTodo, releaseClaim, type ClaimOutcome } from "./claims.server";
import { closeDirectoryPool } from "./directory/apply.server";
import { closeRolePools } from "./pools.server";
import { recordReview } from "./reviews.server";
import { withIdentity, withIdentityAtOnce, type ScopedTx } from "./scoped.server";
import { addMembers, directoryFixtures } from "./testing/directory";
import { identityFor, ownerPool } from "./testing/identities";
import { rawAs } from "./testing/raw-sql";

/**
 * Claims on queue items (todo_claims): who may claim, that a live claim of
 * someone else's is never overwritten (only lapses), release, the verdict
 * that ends a claim, every change audited, and two moderators claiming the
 * same todo at the same moment. What the table holds is always checked by
 * the owner, behind RLS's back.
 */

const owner = ownerPool();
const fixtures = directoryFixtures();
let org: string;
let otherOrg: string;
let maya: string;
let mo: string;
let admin: string;
let member: string;
let author: string;
let outsider: string;

beforeAll(async () => {
  org = fixtures.org("claims");
  otherOrg = fixtures.org("claims_other");
  maya = fixtures.user("cl_maya");
  mo = fixtures.user("cl_mo");
  admin = fixtures.user("cl_admin");
  member = fixtures.user("cl_member");
  author = fixtures.user("cl_author");
  outsider = fixtures.user("cl_outsider");
  await addMembers(org, [
    { userId: maya, name: "Maya", role: "org:moderator" },
    { userId: mo, name: "Mo", role: "org:moderator" },
    { userId: admin, name: "Ada", role: "org:admin" },
    { userId: member, name: "Mia" },
    { userId: author, name: "Aut" },
  ]);
  await addMembers(otherOrg, [{ userId: outsider, name: "Otto", role: "org:moderator" }]);
});

afterAll(async () => {
  await fixtures.cleanUp(owner);
  await owner.end();
  await closeRolePools();
  await closeDirectoryPool();
});

const as = (userId: string, orgRole: ClerkOrgRole | null, orgId = org) =>
  identityFor(userId, orgRole, orgId);
const atOnce = <T>(
  userId: string,
  orgRole: ClerkOrgRole | null,
  run: (tx: ScopedTx) => Promise<T>,
  orgId = org,
) => withIdentityAtOnce(as(userId, orgRole, orgId), run);
const claim = (
  userId: string,
  todoId: number,
  orgRole: ClerkOrgRole = "org:moderator",
  orgId = org,
) => atOnce(userId, orgRole, (tx) => claimTodo(tx, { todoId, minutes: 15 }), orgId);

async function seedTodo(userId = author, label = "claimable") {
  const { rows } = await owner.query<{ id: string }>(
    "insert into todos (tenant_id, user_id, task) values ($1, $2, $3) returning id",
    [org, userId, label],
  );
  return Number(rows[0].id);
}

type StoredClaim = { claimant_id: string; live: boolean; minutes: number };

async function claimsOn(todoId: number): Promise<StoredClaim[]> {
  const { rows } = await owner.query<StoredClaim>(
    `select claimant_id, expires_at > now() as live, round(extract(epoch from expires_at - claimed_at) / 60)::int as minutes from todo_claims where todo_id = $1`,
    [todoId],
  );
  return rows;
}

/** Makes the todo's claim one that ran out five minutes ago. */
const lapse = (todoId: number) =>
  owner.query(
    "update todo_claims set claimed_at = now() - interval '20 minutes', expires_at = now() - interval '5 minutes' where todo_id = $1",
    [todoId],
  );

async function auditOf(todoId: number) {
  const { rows } = await owner.query<{
    tx_id: string;
    actor: string;
    action: string;
    table_name: string;
  }>(
    "select tx_id, actor, action::text as action, table_name from audit.audit_log where tenant_id = $1 and todo_id = $2 and table_name <> 'todos' and actor is not null order by id",
    [org, todoId],
  );
  return rows;
}

describe("claiming", () => {
  it("a moderator claims an unclaimed todo for the configured time, and it is audited under the todo", async () => {
    const todo = await seedTodo();
    expect(await claim(maya, todo)).toEqual({
      status: "claimed",
      expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(await claimsOn(todo)).toEqual([{ claimant_id: maya, live: true, minutes: 15 }]);
    expect(await auditOf(todo)).toEqual([
      { tx_id: expect.any(String), actor: maya, action: "insert", table_name: "todo_claims" },
    ]);
  });

  it("an admin claims too", async () => {
    const todo = await seedTodo();
    expect(await claim(admin, todo, "org:admin")).toMatchObject({ status: "claimed" });
    expect(await claimsOn(todo)).toEqual([{ claimant_id: admin, live: true, minutes: 15 }]);
  });

  it("claiming again renews the caller's own claim", async () => {
    const todo = await seedTodo();
    await claim(maya, todo);
    await lapse(todo);
    expect(await claim(maya, todo)).toMatchObject({ status: "claimed" });
    expect(await claimsOn(todo)).toEqual([{ claimant_id: maya, live: true, minutes: 15 }]);
  });

  it("someone else's live claim is not overwritten: the second claimant is told who has it, and nothing changes", async () => {
    const todo = await seedTodo();
    await claim(maya, todo);
    const before = await claimsOn(todo);
    const audit = await auditOf(todo);
    expect(await claim(mo, todo)).toEqual({ status: "taken", by: { id: maya, name: "Maya" } });
    expect(await claim(admin, todo, "org:admin")).toEqual({
      status: "taken",
      by: { id: maya, name: "Maya" },
    });
    expect(await claimsOn(todo)).toEqual(before);
    expect(await auditOf(todo)).toEqual(audit);
  });

  it("a lapsed claim is taken over by the next claimant, audited as an update", async () => {
    const todo = await seedTodo();
    await claim(maya, todo);
    await lapse(todo);
    expect(await claim(mo, todo)).toMatchObject({ status: "claimed" });
    expect(await claimsOn(todo)).toEqual([{ claimant_id: mo, live: true, minutes: 15 }]);
    expect((await auditOf(todo)).map((entry) => [entry.actor, entry.action])).toEqual([
      [maya, "insert"],
      [mo, "update"],
    ]);
  });

  it("a todo that does not exist, or not in the organization, is missing; the caller's own todo is refused", async () => {
    const elsewhere = (
      await owner.query<{ id: string }>(
        "insert into todos (tenant_id, user_id, task) values ($1, $2, 'elsewhere') returning id",
        [otherOrg, outsider],
      )
    ).rows[0].id;
    expect(await claim(maya, Number(elsewhere))).toEqual({ status: "missing" });
    expect(await claim(maya, 9_000_000_000_000)).toEqual({ status: "missing" });
    const own = await seedTodo(maya, "mine");
    expect(await claim(maya, own)).toEqual({ status: "own-todo" });
    expect(await claimsOn(Number(elsewhere))).toEqual([]);
    expect(await claimsOn(own)).toEqual([]);
  });
});

describe("releasing and ending", () => {
  it("the holder releases their claim; audited as a delete", async () => {
    const todo = await seedTodo();
    await claim(maya, todo);
    expect(await atOnce(maya, "org:moderator", (tx) => releaseClaim(tx, todo))).toEqual({
      status: "released",
    });
    expect(await claimsOn(todo)).toEqual([]);
    expect((await auditOf(todo)).map((entry) => entry.action)).toEqual(["insert", "delete"]);
  });

  it("nobody else releases it, an admin included", async () => {
    const todo = await seedTodo();
    await claim(maya, todo);
    expect(await atOnce(mo, "org:moderator", (tx) => releaseClaim(tx, todo))).toEqual({
      status: "not-held",
    });
    expect(await atOnce(admin, "org:admin", (tx) => releaseClaim(tx, todo))).toEqual({
      status: "not-held",
    });
    expect(await claimsOn(todo)).toEqual([{ claimant_id: maya, live: true, minutes: 15 }]);
  });

  it("the holder's verdict ends the claim in the same transaction", async () => {
    const todo = await seedTodo();
    await claim(maya, todo);
    expect(
      await atOnce(maya, "org:moderator", (tx) =>
        recordReview(tx, { todoId: todo, verdict: "flagged", reason: "spam", note: null }),
      ),
    ).toEqual({ status: "recorded" });
    expect(await claimsOn(todo)).toEqual([]);
    const [, ...verdict] = await auditOf(todo);
    expect(verdict.map((entry) => [entry.table_name, entry.action])).toEqual([
      ["todo_reviews", "insert"],
      ["todo_claims", "delete"],
    ]);
    expect(verdict[0].tx_id).toBe(verdict[1].tx_id);
  });

  it("someone else's verdict waits for the claim: refused, naming the holder, and no review is written", async () => {
    const todo = await seedTodo();
    await claim(maya, todo);
    expect(
      await atOnce(mo, "org:moderator", (tx) =>
        recordReview(tx, { todoId: todo, verdict: "approved", reason: null, note: null }),
      ),
    ).toEqual({
      status: "taken",
      by: { id: maya, name: "Maya" },
    });
    expect(
      (await owner.query("select 1 from todo_reviews where todo_id = $1", [todo])).rowCount,
    ).toBe(0);
    expect(await claimsOn(todo)).toEqual([{ claimant_id: maya, live: true, minutes: 15 }]);
    await lapse(todo);
    expect(
      await atOnce(mo, "org:moderator", (tx) =>
        recordReview(tx, { todoId: todo, verdict: "approved", reason: null, note: null }),
      ),
    ).toEqual({ status: "recorded" });
  });
});

describe("the database refuses, in statement shapes the app never sends", () => {
  /** What a statement without WHERE may reach: the caller's own claims and lapsed ones, never a live claim of someone else's. */
  const reachableBy = async (userId: string) =>
    Number(
      (
        await owner.query(
          "select count(*) from todo_claims where tenant_id = $1 and (claimant_id = $2 or expires_at <= now())",
          [org, userId],
        )
      ).rows[0].count,
    );

  it("another moderator's UPDATE without WHERE leaves someone else's live claim alone", async () => {
    const todo = await seedTodo();
    await claim(maya, todo);
    const before = await claimsOn(todo);
    const reachable = await reachableBy(mo);
    const { rowCount } = await rawAs(
      as(mo, "org:moderator"),
      "update todo_claims set claimant_id = auth.user_id(), claimed_at = now(), expires_at = now() + interval '5 minutes'",
    );
    expect(rowCount).toBe(reachable);
    expect(await claimsOn(todo)).toEqual(before);
  });

  it("nor a DELETE without WHERE, an admin's included: it reaches the caller's own claims alone", async () => {
    const todo = await seedTodo();
    await claim(maya, todo);
    const own = async (userId: string) =>
      Number(
        (
          await owner.query(
            "select count(*) from todo_claims where tenant_id = $1 and claimant_id = $2",
            [org, userId],
          )
        ).rows[0].count,
      );
    for (const [userId, orgRole] of [
      [mo, "org:moderator"],
      [admin, "org:admin"],
    ] as const) {
      const mine = await own(userId);
      expect((await rawAs(as(userId, orgRole), "delete from todo_claims")).rowCount).toBe(mine);
    }
    expect(await claimsOn(todo)).toEqual([{ claimant_id: maya, live: true, minutes: 15 }]);
  });

  it("an upsert that would overwrite it unconditionally fails as a whole", async () => {
    const todo = await seedTodo();
    await claim(maya, todo);
    await expect(
      rawAs(
        as(mo, "org:moderator"),
        "insert into todo_claims (todo_id, expires_at) values ($1, now() + interval '5 minutes') on conflict (todo_id) do update set claimant_id = excluded.claimant_id, claimed_at = excluded.claimed_at, expires_at = excluded.expires_at",
        [todo],
      ),
    ).rejects.toMatchObject({ code: "42501" });
    expect(await claimsOn(todo)).toEqual([{ claimant_id: maya, live: true, minutes: 15 }]);
  });

  it("a second claim row for the same todo is refused: one claim per todo", async () => {
    const todo = await seedTodo();
    await claim(maya, todo);
    await lapse(todo);
    await expect(
      rawAs(
        as(mo, "org:moderator"),
        "insert into todo_claims (todo_id, expires_at) values ($1, now() + interval '5 minutes')",
        [todo],
      ),
    ).rejects.toMatchObject({
      code: "23505",
    });
    expect(await claimsOn(todo)).toEqual([{ claimant_id: maya, live: false, minutes: 15 }]);
  });

  it("an INSERT … SELECT over many todos with the caller's own among them is refused whole", async () => {
    const own = await seedTodo(mo, "mo's own");
    const other = await seedTodo();
    await expect(
      rawAs(
        as(mo, "org:moderator"),
        "insert into todo_claims (todo_id, expires_at) select id, now() + interval '5 minutes' from todos where id = any($1::bigint[])",
        [[other, own]],
      ),
    ).rejects.toMatchObject({ code: "42501" });
    expect([...(await claimsOn(own)), ...(await claimsOn(other))]).toEqual([]);
    // The same statement without the own todo goes through: the refusal above is separation of duties.
    expect(
      (
        await rawAs(
          as(mo, "org:moderator"),
          "insert into todo_claims (todo_id, expires_at) select id, now() + interval '5 minutes' from todos where id = $1",
          [other],
        )
      ).rowCount,
    ).toBe(1);
  });

  it("a claim for longer than a day is refused by the check constraint", async () => {
    const todo = await seedTodo();
    await expect(
      rawAs(
        as(maya, "org:moderator"),
        "insert into todo_claims (todo_id, expires_at) values ($1, now() + interval '25 hours')",
        [todo],
      ),
    ).rejects.toMatchObject({
      code: "23514",
    });
    expect(await claimsOn(todo)).toEqual([]);
  });

  it.each([
    [
      "the claimant",
      "insert into todo_claims (todo_id, expires_at, claimant_id) values ($1, now() + interval '5 minutes', 'user_someone')",
    ],
    [
      "the start, backdated",
      "insert into todo_claims (todo_id, expires_at, claimed_at) values ($1, now() + interval '5 minutes', now() - interval '1 day')",
    ],
    [
      "the tenant",
      "insert into todo_claims (todo_id, expires_at, tenant_id) values ($1, now() + interval '5 minutes', 'org_elsewhere')",
    ],
  ])("naming %s is refused: the column is not the caller's to set", async (_name, statement) => {
    const todo = await seedTodo();
    await expect(rawAs(as(maya, "org:moderator"), statement, [todo])).rejects.toMatchObject({
      code: "42501",
    });
    expect(await claimsOn(todo)).toEqual([]);
  });
});

describe("members and other organizations", () => {
  it("a member claims nothing and reads no claims: the role has no privilege on the table", async () => {
    const todo = await seedTodo();
    await claim(maya, todo);
    const mia = as(member, "org:member");
    await expect(
      rawAs(
        mia,
        "insert into todo_claims (todo_id, expires_at) values ($1, now() + interval '5 minutes')",
        [todo],
      ),
    ).rejects.toMatchObject({ code: "42501" });
    await expect(rawAs(mia, "select * from todo_claims")).rejects.toMatchObject({ code: "42501" });
    await expect(rawAs(mia, "delete from todo_claims")).rejects.toMatchObject({ code: "42501" });
    const authorsOwn = await seedTodo(member, "mia's");
    expect(
      await withIdentityAtOnce(mia, (tx) => claimTodo(tx, { todoId: authorsOwn, minutes: 15 })),
    ).toEqual({ status: "own-todo" });
    expect(await claimsOn(todo)).toEqual([{ claimant_id: maya, live: true, minutes: 15 }]);
    expect(await claimsOn(authorsOwn)).toEqual([]);
  });

  it("another organization's moderator claims nothing here, sees no claim here, and releases none", async () => {
    const todo = await seedTodo();
    const otto = as(outsider, "org:moderator", otherOrg);
    await expect(
      rawAs(
        otto,
        "insert into todo_claims (todo_id, expires_at) values ($1, now() + interval '5 minutes')",
        [todo],
      ),
    ).rejects.toMatchObject({ code: "42501" });
    expect(await claim(outsider, todo, "org:moderator", otherOrg)).toEqual({ status: "missing" });
    await claim(maya, todo);
    expect(
      (await rawAs(otto, "select * from todo_claims where todo_id = $1", [todo])).rowCount,
    ).toBe(0);
    expect((await rawAs(otto, "delete from todo_claims")).rowCount).toBe(0);
    expect(
      (await rawAs(otto, "update todo_claims set expires_at = now() + interval '1 minute'"))
        .rowCount,
    ).toBe(0);
    expect(await claimsOn(todo)).toEqual([{ claimant_id: maya, live: true, minutes: 15 }]);
  });

  it("Maya as a mere member of another organization claims nothing there either", async () => {
    const { rows } = await owner.query<{ id: string }>(
      "insert into todos (tenant_id, user_id, task) values ($1, $2, 'other org') returning id",
      [otherOrg, outsider],
    );
    await expect(
      rawAs(
        as(maya, "org:member", otherOrg),
        "insert into todo_claims (todo_id, expires_at) values ($1, now() + interval '5 minutes')",
        [rows[0].id],
      ),
    ).rejects.toMatchObject({
      code: "42501",
    });
    expect(await claimsOn(Number(rows[0].id))).toEqual([]);
  });
});

describe("two moderators claiming the same todo at the same moment", () => {
  /**
   * Each claim runs in a transaction held open until both statements are in
   * flight: the first claimant's transaction has inserted and waits at the
   * barrier, the second's insert waits on it in Postgres. Then both go on.
   */
  async function race(todoId: number): Promise<ClaimOutcome[]> {
    let open!: () => void;
    const barrier = new Promise<void>((resolve) => (open = resolve));
    const attempt = (userId: string) =>
      withIdentity(as(userId, "org:moderator"), async (tx) => {
        const outcome = await claimTodo(tx, { todoId, minutes: 15 });
        await barrier;
        return outcome;
      });
    const both = Promise.all([attempt(maya), attempt(mo)]);
    try {
      await waitForBlockedClaim();
    } finally {
      open();
    }
    return both;
  }

  async function waitForBlockedClaim() {
    for (let tries = 0; tries < 400; tries++) {
      const { rows } = await owner.query(
        // Other test files' databases share the server and its pg_stat_activity.
        "select 1 from pg_stat_activity where datname = current_database() and usename = 'moderator_backend' and wait_event_type = 'Lock' and query like '%insert into todo_claims%'",
      );
      if (rows.length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error("the second claim never waited on the first: they did not overlap");
  }

  it.each(Array.from({ length: 8 }, (_, round) => [round + 1]))(
    "round %i: exactly one wins, and the other is told who",
    async () => {
      const todo = await seedTodo();
      const outcomes = await race(todo);
      const winners = outcomes.flatMap((outcome, index) =>
        outcome.status === "claimed" ? [[maya, mo][index]] : [],
      );
      expect(winners).toHaveLength(1);
      const [winner] = winners;
      expect(outcomes.find((outcome) => outcome.status !== "claimed")).toEqual({
        status: "taken",
        by: { id: winner, name: winner === maya ? "Maya" : "Mo" },
      });
      expect(await claimsOn(todo)).toEqual([{ claimant_id: winner, live: true, minutes: 15 }]);
      expect((await auditOf(todo)).map((entry) => [entry.actor, entry.action])).toEqual([
        [winner, "insert"],
      ]);
    },
  );
});
