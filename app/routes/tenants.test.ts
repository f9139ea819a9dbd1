import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRolePools } from "../../db/pools.server";
import { ownerPool } from "../../db/testing/identities";
import { loader as rootLoader } from "../root";
import { args, formPost, respond, settle, signInAs, URL_BASE } from "../testing/routes";
import { loader as auditLoader } from "./audit";
import { action as reviewAction, loader as reviewLoader } from "./review";
import { action as switchAction } from "./switch";
import { action as todosAction, loader as todosLoader } from "./todos";
import { action as bulkAction } from "./todos.bulk";

/**
 * Organizations are tenants, through every route. Eve made her own
 * organization and is its admin: that makes her nobody anywhere else.
 */

const owner = ownerPool();
const label = randomUUID().slice(0, 8);
let rows: Record<"acme" | "globex" | "eve" | "alicePersonal", number>;

const place = async (tenant: string, userId: string, task: string) =>
  Number(
    (
      await owner.query<{ id: string }>(
        "insert into todos (tenant_id, user_id, task) values ($1, $2, $3) returning id",
        [tenant, userId, `${task} ${label}`],
      )
    ).rows[0].id,
  );

beforeAll(async () => {
  rows = {
    acme: await place("org_acme", "user_alice", "Acme's secret plan"),
    globex: await place("org_globex", "user_gina", "Globex's secret plan"),
    eve: await place("org_eve", "user_eve", "Eve's own plan"),
    alicePersonal: await place("personal:user_alice", "user_alice", "Alice's private plan"),
  };
});

afterAll(async () => {
  await owner.query("delete from todos where task like '%' || $1", [label]);
  await owner.end();
  await closeRolePools();
});

/** Every row of Acme and Globex, and every personal one, behind RLS's back: what Eve must never change. */
async function othersState() {
  const { rows: state } = await owner.query(`
    select md5(coalesce(string_agg(id || tenant_id || user_id || task || is_complete, ',' order by id), '')) as todos,
           (select count(*)::int from todo_reviews where tenant_id <> 'org_eve') as reviews
    from todos where tenant_id <> 'org_eve'`);
  return state[0];
}

const get = (cookie: string, path: string) =>
  new Request(`${URL_BASE}${path}`, { headers: { Cookie: cookie } });
const idsOf = (data: {
  todos?: { id: number }[];
  unreviewed?: { id: number }[];
  flagged?: { id: number }[];
}) =>
  [...(data.todos ?? []), ...(data.unreviewed ?? []), ...(data.flagged ?? [])].map(
    (todo) => todo.id,
  );

describe("the creator case: Eve, admin of her own organization", () => {
  let eve: string;
  beforeAll(async () => {
    eve = await signInAs("user_eve");
  });

  it("signs in with her organization active, as its admin", async () => {
    const { identity } = await (await respond(rootLoader(args(get(eve, "/todos"))))).json();
    expect(identity).toMatchObject({
      userId: "user_eve",
      orgId: "org_eve",
      orgName: "Eve's org",
      orgRole: "org:admin",
      backendRole: "admin_backend",
    });
  });

  it("reads nothing of Acme, Globex or anyone's personal workspace, on any page", async () => {
    const todos = await (await respond(todosLoader(args(get(eve, "/todos"))))).json();
    expect(idsOf(todos)).toContain(rows.eve);
    for (const other of [rows.acme, rows.globex, rows.alicePersonal])
      expect(idsOf(todos)).not.toContain(other);
    expect(todos.todos.every((todo: { userId: string }) => todo.userId === "user_eve")).toBe(true);

    const filtered = await (
      await respond(todosLoader(args(get(eve, "/todos?owner=user_alice"))))
    ).json();
    expect(filtered.todos).toEqual([]);

    const queue = await (await respond(reviewLoader(args(get(eve, "/review"))))).json();
    for (const other of [rows.acme, rows.globex, rows.alicePersonal])
      expect(idsOf(queue)).not.toContain(other);

    const audit = await (await respond(auditLoader(args(get(eve, "/audit"))))).json();
    expect(audit.entries.length).toBeGreaterThan(0);
    expect(
      audit.entries.every(
        (entry: { todoId: number | null }) =>
          ![rows.acme, rows.globex, rows.alicePersonal].includes(entry.todoId ?? 0),
      ),
    ).toBe(true);
    const byTodo = await (
      await respond(auditLoader(args(get(eve, `/audit?todo=${rows.acme}`))))
    ).json();
    expect(byTodo.entries).toEqual([]);
  });

  it("changes nothing of theirs through any action: every crafted post is a 404 or a no-op", async () => {
    const before = await othersState();
    for (const id of [rows.acme, rows.globex, rows.alicePersonal]) {
      for (const fields of <Record<string, string>[]>[
        { intent: "update", id: String(id), task: "taken over by Eve" },
        { intent: "toggle", id: String(id) },
        { intent: "delete", id: String(id) },
      ]) {
        const { response } = await settle(() => todosAction(args(formPost("/todos", fields, eve))));
        expect(response.status, `${fields.intent} ${id}`).toBe(404);
      }
      const review = await settle(() =>
        reviewAction(
          args(
            formPost(
              "/review",
              { intent: "review", id: String(id), verdict: "flagged", reason: "spam" },
              eve,
            ),
          ),
        ),
      );
      expect(review.response.status).toBe(404);
      const bulk = await settle(() =>
        bulkAction(
          args(
            formPost(
              "/todos/bulk",
              [
                ["intent", "bulk"],
                ["action", "delete"],
                ["id", String(id)],
                ["confirmed", "yes"],
              ],
              eve,
            ),
          ),
        ),
      );
      expect(bulk.response.status).toBe(303);
    }
    for (const action of ["complete", "reopen", "delete"]) {
      const { response } = await settle(() =>
        bulkAction(
          args(
            formPost(
              "/todos/bulk?q=secret",
              { intent: "bulk", action, scope: "filter", confirmed: "yes" },
              eve,
            ),
          ),
        ),
      );
      expect(response.status).toBe(303);
    }
    const reassign = await settle(() =>
      bulkAction(
        args(
          formPost(
            "/todos/bulk",
            {
              intent: "bulk",
              action: "reassign",
              scope: "filter",
              owner: "user_alice",
              confirmed: "yes",
            },
            eve,
          ),
        ),
      ),
    );
    expect(reassign.response.status).toBe(400);
    expect(await othersState()).toEqual(before);
  });

  it("her own organization's rows she does change (the checks above can fail)", async () => {
    const { response } = await settle(() =>
      todosAction(args(formPost("/todos", { intent: "toggle", id: String(rows.eve) }, eve))),
    );
    expect(response.status).toBe(303);
    expect(
      (await owner.query("select is_complete from todos where id = $1", [rows.eve])).rows[0]
        .is_complete,
    ).toBe(true);
  });
});

describe("switching organizations", () => {
  const switchTo = (cookie: string, identity: string, org: string) =>
    settle(() =>
      switchAction(args(formPost("/switch", { identity, org, returnTo: "/todos" }, cookie))),
    );
  const roleAfter = async (response: Response) => {
    const cookie = response.headers.get("Set-Cookie")!.split(";")[0];
    const data = await (await respond(todosLoader(args(get(cookie, "/todos"))))).json();
    return { databaseRole: data.databaseRole as string, ids: idsOf(data) };
  };

  it("offers only the identity's own organizations: another one is a 400 that changes nothing", async () => {
    const cookie = await signInAs("user_eve");
    const { response } = await switchTo(cookie, "user_eve", "org_acme");
    expect(response.status).toBe(400);
    expect((await response.json()).message).toBe(
      "Eve is not a member of Acme. Nothing was changed.",
    );
    expect(response.headers.get("Set-Cookie")).toBeNull();
    expect((await settle(() => todosLoader(args(get(cookie, "/todos"))))).response.status).toBe(
      200,
    );
  });

  it("an organization id that does not exist is a 400 too", async () => {
    const cookie = await signInAs("user_maya");
    expect((await switchTo(cookie, "user_maya", "org_nowhere")).response.status).toBe(400);
  });

  it("Maya: moderator of Acme, member of Globex, and her personal account", async () => {
    const acme = await roleAfter(
      (await switchTo(await signInAs("user_maya"), "user_maya", "org_acme")).response,
    );
    expect(acme.databaseRole).toBe("moderator_backend");
    expect(acme.ids).toContain(rows.acme);

    const globex = await roleAfter(
      (await switchTo(await signInAs("user_maya"), "user_maya", "org_globex")).response,
    );
    expect(globex.databaseRole).toBe("authenticated_backend");
    expect(globex.ids).not.toContain(rows.globex);

    const personal = await roleAfter(
      (await switchTo(await signInAs("user_maya"), "user_maya", "")).response,
    );
    expect(personal.databaseRole).toBe("authenticated_backend");
    for (const id of Object.values(rows)) expect(personal.ids).not.toContain(id);
  });

  it("Alice in her personal account sees her personal todo and none of Acme's", async () => {
    const personal = await roleAfter(
      (await switchTo(await signInAs("user_alice"), "user_alice", "")).response,
    );
    expect(personal.ids).toContain(rows.alicePersonal);
    expect(personal.ids).not.toContain(rows.acme);
  });
});
