import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_ORG_ID } from "../../db/demo-identities";
import { closeDirectoryPool } from "../../db/directory/apply.server";
import { closeRolePools } from "../../db/pools.server";
import { addMembers } from "../../db/testing/directory";
import { freshUserId, ownerPool } from "../../db/testing/identities";
import { exportAudit } from "../audit/export.server";
import { requireIdentity } from "../auth/request.server";
import { parseCsv } from "../testing/csv";
import { args, formPost, respond, settle, signInAs, URL_BASE } from "../testing/routes";
import { exportTodos } from "../todos/export.server";
import { loader as auditCsv } from "./audit_.export[.csv]";
import { loader as auditNdjson } from "./audit_.export[.ndjson]";
import { action as bulkAction } from "./todos.bulk";
import { loader as todosCsv } from "./todos_.export[.csv]";

/**
 * Exports against the truth: the owner connection, behind RLS's back, asked
 * the same question with the tenant, the member's ownership and the
 * directory's visibility written out by hand. A few thousand rows, so the
 * default chunk of 1,000 is crossed more than once; ties in `inserted_at`
 * fall across chunk boundaries.
 */

const ALICE = "user_alice";
const BOB = "user_bob";
const MAYA = "user_maya";
const ADAM = "user_adam";
const label = randomUUID().slice(0, 8);
const NAMED = freshUserId("export_named");
const FORMER = freshUserId("export_former");
const owner = ownerPool();
const cookies: Record<string, string> = {};
let fixtureIds: number[] = [];

const get = (cookie: string | null, path: string) =>
  new Request(`${URL_BASE}${path}`, { headers: cookie ? { Cookie: cookie } : {} });

beforeAll(async () => {
  await addMembers(
    DEMO_ORG_ID,
    [
      { userId: ALICE, name: "Alice" },
      { userId: MAYA, name: "Maya", role: "org:moderator" },
      { userId: ADAM, name: "Adam", role: "org:admin" },
      { userId: NAMED, name: "Nadia Named" },
    ],
    "Acme",
  );
  for (const userId of [ALICE, MAYA, ADAM]) cookies[userId] = await signInAs(userId);
  // 2,600 todos over four owners (Alice 1,100), every fourth group sharing one inserted_at; tasks that need quoting or neutralising.
  const { rows } = await owner.query<{ id: string }>(
    `insert into todos (tenant_id, user_id, task, is_complete, inserted_at)
     select $1, case when g <= 1100 then $2 when g <= 1600 then $3 when g <= 2200 then $4 else $5 end,
            (array['', '=', '-', '+', '@', '"', 'a,', e'\\t'])[1 + g % 8] || 'export ' || $6 || ' #' || g || case when g % 13 = 0 then e', "two"\\nlines' else '' end,
            g % 3 = 0, timestamptz '2026-03-01' + (g / 4) * interval '1 millisecond'
     from generate_series(1, 2600) g
     returning id`,
    [DEMO_ORG_ID, ALICE, BOB, NAMED, FORMER, label],
  );
  fixtureIds = rows.map((row) => Number(row.id));
  // Verdicts: approved by Maya, flagged by Adam with a note; some flagged, then approved later (the latest counts).
  await owner.query(
    `insert into todo_reviews (tenant_id, todo_id, reviewer_id, verdict, note, created_at)
     select tenant_id, id, case when id % 5 = 0 then $2 else $3 end, case when id % 5 = 0 then 'approved' else 'flagged' end::review_verdict,
            case when id % 5 = 1 then '=too vague, see "the guide"' end, inserted_at + interval '1 hour'
     from todos where id = any($1::bigint[]) and id % 5 in (0, 1)
     union all
     select tenant_id, id, $2, 'approved', null, inserted_at + interval '2 hours' from todos where id = any($1::bigint[]) and id % 10 = 1`,
    [fixtureIds, MAYA, ADAM],
  );
  // The same label elsewhere: another organization, and Alice's personal workspace.
  const { rows: elsewhere } = await owner.query<{ id: string }>(
    `insert into todos (tenant_id, user_id, task) values ('org_globex', 'user_gina', 'export ' || $1 || ' globex'), ('personal:user_alice', $2, 'export ' || $1 || ' personal') returning id`,
    [label, ALICE],
  );
  fixtureIds.push(...elsewhere.map((row) => Number(row.id)));
});

afterAll(async () => {
  await owner.query("delete from audit.audit_log where todo_id = any($1::bigint[])", [fixtureIds]);
  await owner.query("delete from todos where id = any($1::bigint[])", [fixtureIds]);
  await owner.query(
    "delete from directory.memberships where organization_id = $1 and user_id = any($2::text[])",
    [DEMO_ORG_ID, [ALICE, MAYA, ADAM, NAMED]],
  );
  await owner.query("delete from directory.users where id = any($1::text[])", [
    [ALICE, MAYA, ADAM, NAMED],
  ]);
  await owner.end();
  await closeRolePools();
  await closeDirectoryPool();
});

/** What a spreadsheet cell should hold, written independently of the writer: null empty, formula starts neutralised. */
const cell = (value: string | number | null) =>
  value === null
    ? ""
    : typeof value === "number"
      ? String(value)
      : /^[=+\-@\t\r]/.test(value)
        ? `'${value}`
        : value;

/** A person's name as the caller's role may see it (the directory's policy, by hand); null for a former member. */
const visibleName = (
  alias: string,
  caller: string,
) => `case when ${alias}.deleted_at is null and (${alias}.id = '${caller}' or exists (
    select 1 from directory.memberships m where m.user_id = ${alias}.id and m.organization_id = '${DEMO_ORG_ID}' and m.deleted_at is null))
  then coalesce(${alias}.display_name, ${alias}.id) end`;

interface Filter {
  owner?: string;
  status?: "open" | "complete";
  verdict?: "unreviewed" | "approved" | "flagged";
  q?: string;
  sort?: "newest" | "oldest";
}

/** The todos the caller should get, in the list's order, as CSV records. */
async function expectedTodos(caller: string, member: boolean, filter: Filter): Promise<string[][]> {
  const direction = filter.sort === "oldest" ? "asc" : "desc";
  const { rows } = await owner.query(
    `select t.id::int as id, t.task, t.user_id, ${visibleName("ou", caller)} as owner_name, t.is_complete, t.inserted_at::text as inserted_at,
            lr.verdict::text as verdict, lr.note, lr.reviewer_id, ${visibleName("ru", caller)} as reviewer_name, lr.created_at::text as reviewed_at
     from todos t
     left join lateral (select * from todo_reviews r where r.todo_id = t.id order by r.created_at desc, r.id desc limit 1) lr on true
     left join directory.users ou on ou.id = t.user_id
     left join directory.users ru on ru.id = lr.reviewer_id
     where t.tenant_id = $1 and ($2::text is null or t.user_id = $2) and ($3::text is null or t.user_id = $3)
       and ($4::boolean is null or t.is_complete = $4) and ($5::text is null or strpos(lower(t.task), lower($5)) > 0)
       and case $6::text when 'unreviewed' then lr.verdict is null when 'approved' then lr.verdict = 'approved' when 'flagged' then lr.verdict = 'flagged' else true end
     order by t.inserted_at ${direction}, t.id ${direction}`,
    [
      DEMO_ORG_ID,
      member ? caller : null,
      filter.owner ?? null,
      filter.status ? filter.status === "complete" : null,
      filter.q ?? null,
      filter.verdict ?? null,
    ],
  );
  return rows.map((row) =>
    [
      row.id,
      row.task,
      row.user_id,
      row.owner_name,
      row.is_complete ? "complete" : "open",
      row.inserted_at,
      row.verdict,
      row.note,
      row.reviewer_id,
      row.reviewer_name,
      row.reviewed_at,
    ].map(cell),
  );
}

const TODO_HEADER = [
  "id",
  "task",
  "owner_id",
  "owner_name",
  "status",
  "created_at",
  "verdict",
  "verdict_note",
  "reviewer_id",
  "reviewer_name",
  "reviewed_at",
];
const search = (filter: object) => {
  const text = new URLSearchParams(Object.entries(filter)).toString();
  return text ? `?${text}` : "";
};

describe("/todos/export.csv", () => {
  const cases: [string, string, boolean, Filter][] = [
    ["alice (member): everything", ALICE, true, {}],
    ["alice (member): the label", ALICE, true, { q: label }],
    [
      "alice (member): complete, oldest first",
      ALICE,
      true,
      { q: label, status: "complete", sort: "oldest" },
    ],
    ["alice (member): flagged", ALICE, true, { q: label, verdict: "flagged" }],
    ["alice (member): someone else's todos", ALICE, true, { q: label, owner: BOB }],
    ["maya (moderator): everything", MAYA, false, {}],
    ["maya (moderator): one owner", MAYA, false, { owner: NAMED }],
    [
      "maya (moderator): unreviewed and open",
      MAYA,
      false,
      { q: label, verdict: "unreviewed", status: "open" },
    ],
    ["adam (admin): the label", ADAM, false, { q: label }],
    [
      "adam (admin): approved, oldest first",
      ADAM,
      false,
      { q: label, verdict: "approved", sort: "oldest" },
    ],
    ["adam (admin): a former member's", ADAM, false, { owner: FORMER, status: "open" }],
  ];

  it.each(cases)(
    "%s: every matching row, in the list's order, and no other",
    async (_name, caller, member, filter) => {
      const { thrown, response } = await settle(() =>
        todosCsv(args(get(cookies[caller], `/todos/export.csv${search(filter)}`))),
      );
      expect([thrown, response.status]).toEqual([false, 200]);
      const [header, ...records] = parseCsv(await response.text());
      expect(header).toEqual(TODO_HEADER);
      const expected = await expectedTodos(caller, member, filter);
      expect(records.length).toBe(expected.length);
      expect(records).toEqual(expected);
    },
  );

  it("crossed chunk boundaries in the cases above, and found no other tenant's rows", async () => {
    const [, ...all] = parseCsv(
      await (await todosCsv(args(get(cookies[ADAM], `/todos/export.csv?q=${label}`)))).text(),
    );
    expect(all.length).toBe(2600);
    const [, ...alices] = parseCsv(
      await (await todosCsv(args(get(cookies[ALICE], `/todos/export.csv?q=${label}`)))).text(),
    );
    expect(alices.length).toBe(1100);
    expect(alices.every((record) => record[2] === ALICE)).toBe(true);
    const elsewhere = fixtureIds.slice(-2).map(String);
    for (const record of [...all, ...alices]) expect(elsewhere).not.toContain(record[0]);
  });

  it("walks exactly full chunks, and one row at a time, to the same rows", async () => {
    const identity = await requireIdentity(args(get(cookies[MAYA], "/todos")));
    const whole = await expectedTodos(MAYA, false, { owner: NAMED, q: label });
    expect(whole.length).toBe(600);
    for (const chunkRows of [100, 600, 7]) {
      const [, ...records] = parseCsv(
        await (
          await exportTodos(identity, { sort: "newest", owner: NAMED, q: label }, chunkRows)
        ).text(),
      );
      expect(records).toEqual(whole);
    }
    const [, ...single] = parseCsv(
      await (
        await exportTodos(
          identity,
          { sort: "oldest", owner: FORMER, q: label, status: "complete" },
          1,
        )
      ).text(),
    );
    expect(single).toEqual(
      await expectedTodos(MAYA, false, {
        owner: FORMER,
        q: label,
        status: "complete",
        sort: "oldest",
      }),
    );
  });

  it("starts from the first row whatever page the view was on", async () => {
    const { rows } = await owner.query(
      "select inserted_at::text as at, id from todos where id = $1",
      [fixtureIds[1500]],
    );
    const after = Buffer.from(`${rows[0].at}|${rows[0].id}`).toString("base64url");
    const [, ...records] = parseCsv(
      await (
        await todosCsv(args(get(cookies[ADAM], `/todos/export.csv?q=${label}&after=${after}`)))
      ).text(),
    );
    expect(records.length).toBe(2600);
  });

  it("is a CSV download that nothing may store", async () => {
    const response = await todosCsv(args(get(cookies[ALICE], `/todos/export.csv?q=${label}`)));
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("Content-Disposition")).toMatch(
      /^attachment; filename="warden-todos-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    expect(response.headers.get("Content-Disposition")).toContain(
      new Date().toISOString().slice(0, 10),
    );
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    await response.body!.cancel();
  });

  it.each([
    ["an unknown status", "?status=maybe", "Status must be open or complete."],
    ["an unknown verdict", "?verdict=meh", "Verdict must be unreviewed, approved or flagged."],
    [
      "a broken cursor",
      "?after=nope",
      "That page link is broken. Start again from the first page.",
    ],
  ])("%s: 400 with the message as plain text", async (_name, query, message) => {
    const { thrown, response } = await settle(() =>
      todosCsv(args(get(cookies[ALICE], `/todos/export.csv${query}`))),
    );
    expect([thrown, response.status]).toEqual([true, 400]);
    expect(response.headers.get("Content-Type")).toBe("text/plain; charset=utf-8");
    expect(await response.text()).toBe(message);
  });

  it("signed out: to sign-in, and back to the export after", async () => {
    const { thrown, response } = await settle(() =>
      todosCsv(args(get(null, "/todos/export.csv?status=open"))),
    );
    expect([thrown, response.status]).toEqual([true, 302]);
    expect(response.headers.get("Location")).toBe(
      `/sign-in?returnTo=${encodeURIComponent("/todos/export.csv?status=open")}`,
    );
  });
});

describe("/audit/export.csv and .ndjson", () => {
  let bulkIds: number[];

  beforeAll(async () => {
    // Entries with an actor, more than a chunk of them: Adam completes 1,100 of the fixture's todos through the real route.
    const { rows } = await owner.query<{ id: string }>(
      "select id from todos where id = any($1::bigint[]) and tenant_id = $2 and not is_complete order by id limit 1100",
      [fixtureIds, DEMO_ORG_ID],
    );
    bulkIds = rows.map((row) => Number(row.id));
    const body = new URLSearchParams([
      ["intent", "bulk"],
      ["action", "complete"],
      ["confirmed", "yes"],
      ...bulkIds.map((id) => ["id", String(id)]),
    ]);
    expect(
      (await respond(bulkAction(args(formPost("/todos/bulk", body, cookies[ADAM]))))).status,
    ).toBe(303);
  });

  interface AuditFilter {
    actor?: string;
    todo?: string;
    action?: string;
    from?: string;
    to?: string;
  }

  /** The admin's log, newest first, by hand: the tenant, the filter, and names as the directory shows them to Adam. */
  async function expectedAudit(filter: AuditFilter) {
    const { rows } = await owner.query(
      `select a.id::int as id, a.occurred_at::text as occurred_at, a.tx_id::text as tx_id, a.actor, ${visibleName("u", ADAM)} as actor_name,
              a.db_role, a.action::text as action, a.table_name, a.row_id::int as row_id, a.todo_id::int as todo_id, a.before, a.after,
              t.reverts_tx_id::int as reverts_tx_id
       from audit.audit_log a left join directory.users u on u.id = a.actor
       left join audit.transactions t on t.tx_id = a.tx_id and t.tenant_id = a.tenant_id
       where a.tenant_id = $1 and ($2::text is null or a.actor = $2) and ($3::bigint is null or a.todo_id = $3) and ($4::text is null or a.action::text = $4)
         and ($5::date is null or a.occurred_at >= $5::date::timestamp at time zone 'UTC') and ($6::date is null or a.occurred_at < ($6::date + 1)::timestamp at time zone 'UTC')
       order by a.id desc`,
      [
        DEMO_ORG_ID,
        filter.actor ?? null,
        filter.todo ?? null,
        filter.action ?? null,
        filter.from ?? null,
        filter.to ?? null,
      ],
    );
    return rows.map((row) => ({ ...row, tx_id: Number(row.tx_id) }));
  }

  const AUDIT_HEADER = [
    "id",
    "occurred_at",
    "tx_id",
    "actor",
    "actor_name",
    "db_role",
    "action",
    "table_name",
    "row_id",
    "todo_id",
    "before",
    "after",
    "reverts_tx_id",
  ];
  const today = new Date().toISOString().slice(0, 10);
  // Made when the test runs: the todo's id is known only then. Each bounded by this file's entries: other files' entries share the organization.
  const filters: [string, () => AuditFilter][] = [
    ["adam's updates (more than a chunk)", () => ({ actor: ADAM, action: "update" })],
    ["adam's, today", () => ({ actor: ADAM, from: today, to: today })],
    ["one todo", () => ({ todo: String(bulkIds[3]) })],
    [
      "deletes on a day long past (none)",
      () => ({ action: "delete", from: "2020-01-01", to: "2020-01-02" }),
    ],
  ];

  it.each(filters)("CSV, %s: the filtered log, newest first", async (_name, filterOf) => {
    const filter = filterOf();
    const { thrown, response } = await settle(() =>
      auditCsv(args(get(cookies[ADAM], `/audit/export.csv${search(filter)}`))),
    );
    expect([thrown, response.status]).toEqual([false, 200]);
    const [header, ...records] = parseCsv(await response.text());
    expect(header).toEqual(AUDIT_HEADER);
    const expected = await expectedAudit(filter);
    expect(records.length).toBe(expected.length);
    expect(
      records.map((record) => ({
        ...Object.fromEntries(AUDIT_HEADER.map((name, index) => [name, record[index]])),
      })),
    ).toEqual(
      expected.map((row) =>
        Object.fromEntries(
          AUDIT_HEADER.map((name) => [
            name,
            ["before", "after"].includes(name)
              ? row[name] === null
                ? ""
                : JSON.stringify(row[name])
              : cell(row[name]),
          ]),
        ),
      ),
    );
  });

  it.each(filters)(
    "NDJSON, %s: one object per line, before and after as objects",
    async (_name, filterOf) => {
      const filter = filterOf();
      const { thrown, response } = await settle(() =>
        auditNdjson(args(get(cookies[ADAM], `/audit/export.ndjson${search(filter)}`))),
      );
      expect([thrown, response.status]).toEqual([false, 200]);
      const text = await response.text();
      const expected = await expectedAudit(filter);
      expect(text.endsWith("\n") || (expected.length === 0 && text === "")).toBe(true);
      expect(
        text
          .split("\n")
          .filter(Boolean)
          .map((line) => JSON.parse(line)),
      ).toEqual(expected);
    },
  );

  it("walks small chunks to the same entries", async () => {
    const identity = await requireIdentity(args(get(cookies[ADAM], "/audit")));
    const lines = (
      await (await exportAudit(identity, { actor: ADAM, action: "update" }, "ndjson", 7)).text()
    )
      .split("\n")
      .filter(Boolean);
    expect(lines.map((line) => JSON.parse(line))).toEqual(
      await expectedAudit({ actor: ADAM, action: "update" }),
    );
    expect(lines.length).toBeGreaterThanOrEqual(1_100);
  });

  it.each([
    ["csv", auditCsv, "text/csv; charset=utf-8"],
    ["ndjson", auditNdjson, "application/x-ndjson; charset=utf-8"],
  ] as const)(
    "%s: a download named for the log and the day, that nothing may store",
    async (format, loader, type) => {
      const response = await loader(args(get(cookies[ADAM], "/audit/export.x?action=delete")));
      expect(response.headers.get("Content-Type")).toBe(type);
      expect(response.headers.get("Content-Disposition")).toBe(
        `attachment; filename="warden-audit-${today}.${format}"`,
      );
      expect(response.headers.get("Cache-Control")).toBe("no-store");
      await response.body!.cancel();
    },
  );

  it.each([
    ["alice (member)", ALICE, auditCsv],
    ["maya (moderator)", MAYA, auditCsv],
    ["maya (moderator), NDJSON", MAYA, auditNdjson],
    // The capability is checked before the filter, as on /audit.
    ["maya (moderator) with a malformed filter", MAYA, auditNdjson, "?todo=abc"],
  ])("%s: 403, as /audit answers", async (_name, caller, loader, query = "") => {
    const { thrown, response } = await settle(() =>
      loader(args(get(cookies[caller], `/audit/export.csv${query}`))),
    );
    expect([thrown, response.status]).toEqual([true, 403]);
    expect(await response.json()).toEqual({ message: "Only admins can read the audit log." });
  });

  it("a malformed filter: 400 with the message as plain text", async () => {
    const { thrown, response } = await settle(() =>
      auditCsv(args(get(cookies[ADAM], "/audit/export.csv?from=2026-02-30"))),
    );
    expect([thrown, response.status]).toEqual([true, 400]);
    expect(await response.text()).toBe("From must be a date (YYYY-MM-DD).");
  });
});
