import { expect, test, type Page } from "@playwright/test";
import { ownerDatabase } from "./owner-db";
import { createTodo, signIn, switchTo, todoRow, uniqueTask, postAs } from "./support";

type Role = "member" | "moderator" | "admin";
type Person = {
  userId: string;
  role: Role;
  orgRole: string;
  databaseRole: string;
  tenant: string;
  orgName: string;
};
const PEOPLE: Person[] = [
  {
    userId: "user_alice",
    role: "member",
    orgRole: "org:member",
    databaseRole: "authenticated_backend",
    tenant: "org_acme",
    orgName: "Acme",
  },
  {
    userId: "user_maya",
    role: "moderator",
    orgRole: "org:moderator",
    databaseRole: "moderator_backend",
    tenant: "org_acme",
    orgName: "Acme",
  },
  {
    userId: "user_adam",
    role: "admin",
    orgRole: "org:admin",
    databaseRole: "admin_backend",
    tenant: "org_acme",
    orgName: "Acme",
  },
  {
    userId: "user_bob",
    role: "member",
    orgRole: "org:member",
    databaseRole: "authenticated_backend",
    tenant: "org_acme",
    orgName: "Acme",
  },
];
/** Admins of other organizations: Gina runs Globex, Eve made her own. */
const OUTSIDERS: Person[] = [
  {
    userId: "user_gina",
    role: "admin",
    orgRole: "org:admin",
    databaseRole: "admin_backend",
    tenant: "org_globex",
    orgName: "Globex",
  },
  {
    userId: "user_eve",
    role: "admin",
    orgRole: "org:admin",
    databaseRole: "admin_backend",
    tenant: "org_eve",
    orgName: "Eve's org",
  },
];
const PAGE_SIZE = 25;

/** What the page shows must be what the owner's view says this person may see in this tenant. */
async function expectScopedTodos(
  page: Page,
  db: Awaited<ReturnType<typeof ownerDatabase>>,
  person: Person,
) {
  const seesAll = person.role !== "member";
  const expected = seesAll
    ? await db.count("select count(*) as n from todos where tenant_id = $1", [person.tenant])
    : await db.count("select count(*) as n from todos where tenant_id = $1 and user_id = $2", [
        person.tenant,
        person.userId,
      ]);
  await expect(page.getByTestId("matching-count")).toHaveAttribute("data-count", String(expected));
  await expect(page.getByTestId("todo")).toHaveCount(Math.min(expected, PAGE_SIZE));
  // Owners show by name; the id each one stands for is on the element.
  const ownerIds = await page
    .getByTestId("todo-owner")
    .evaluateAll((owners) => owners.map((owner) => owner.getAttribute("data-user-id")));
  if (!seesAll) for (const owner of ownerIds) expect(owner).toBe(person.userId);
  if (seesAll && expected <= PAGE_SIZE) {
    // Everyone's todos in the tenant, so every owner there: as many as the owner's view counts.
    const owners = new Set(ownerIds);
    expect(owners.size, "a moderator or admin sees every owner of the tenant").toBe(
      await db.count("select count(distinct user_id) as n from todos where tenant_id = $1", [
        person.tenant,
      ]),
    );
  }
}

test("one browser session switches alice → maya → adam → bob; the same /todos shows each role's rows", async ({
  page,
}, testInfo) => {
  const db = await ownerDatabase();
  try {
    const strangersTodo = (
      await db.query<{ id: string }>(
        "insert into todos (user_id, task) values ('user_stranger', 'A stranger''s todo') returning id",
      )
    )[0].id;
    await signIn(page, "user_alice");
    for (const person of PEOPLE) {
      await switchTo(page, person.userId);
      await expect(page).toHaveURL(/\/todos$/);
      await expect(page.getByTestId("header-clerk-role")).toHaveText(person.orgRole);
      await expect(page.getByTestId("header-organization")).toHaveText(person.orgName);
      await expect(page.getByTestId("header-postgres-role")).toHaveText(person.databaseRole);
      await expect(page.getByTestId("database-role")).toHaveText(person.databaseRole);
      await expectScopedTodos(page, db, person);

      // What is offered follows the role…
      await expect(page.getByRole("link", { name: "Review", exact: true })).toHaveCount(
        person.role === "member" ? 0 : 1,
      );
      await expect(page.getByRole("link", { name: "Audit" })).toHaveCount(
        person.role === "admin" ? 1 : 0,
      );
      await expect(page.getByRole("button", { name: "Mark complete" })).toHaveCount(
        person.role === "admin" ? 1 : 0,
      );
      const strangerRow = page.locator(`[data-todo-id="${strangersTodo}"]`);
      await expect(strangerRow).toHaveCount(person.role === "member" ? 0 : 1);
      if (person.role !== "member")
        await expect(strangerRow.getByRole("button", { name: /Delete/ })).toHaveCount(
          person.role === "admin" ? 1 : 0,
        );

      // …and what is forbidden fails when forced.
      const forced = await postAs(page, "/todos", {
        intent: "update",
        id: strangersTodo,
        task: `forced by ${person.userId}`,
      });
      expect(forced.status(), `${person.userId} edits a stranger's todo`).toBe(
        person.role === "admin" ? 303 : 404,
      );
      const bulk = await postAs(page, "/todos/bulk", {
        intent: "bulk",
        action: "reopen",
        id: strangersTodo,
      });
      expect(bulk.status(), `${person.userId} bulk-edits`).toBe(
        person.role === "admin" ? 303 : 403,
      );
      const audit = await page.request.get("/audit", { maxRedirects: 0 });
      expect(audit.status(), `${person.userId} reads the audit log`).toBe(
        person.role === "admin" ? 200 : 403,
      );

      const shot = testInfo.outputPath(`role-${person.userId}.png`);
      await page.screenshot({ path: shot, fullPage: true });
      await testInfo.attach(`/todos as ${person.userId} (${person.databaseRole})`, {
        path: shot,
        contentType: "image/png",
      });
    }
    const [stranger] = await db.query<{ task: string }>("select task from todos where id = $1", [
      strangersTodo,
    ]);
    expect(stranger.task).toBe("forced by user_adam");
  } finally {
    await db.close();
  }
});

test("Maya switches Acme (moderator) → Globex (member) → Personal account; /todos shows exactly what the owner's view allows at each step", async ({
  page,
}, testInfo) => {
  const db = await ownerDatabase();
  try {
    await signIn(page, "user_maya");
    const steps: Person[] = [
      {
        userId: "user_maya",
        role: "moderator",
        orgRole: "org:moderator",
        databaseRole: "moderator_backend",
        tenant: "org_acme",
        orgName: "Acme",
      },
      {
        userId: "user_maya",
        role: "member",
        orgRole: "org:member",
        databaseRole: "authenticated_backend",
        tenant: "org_globex",
        orgName: "Globex",
      },
      {
        userId: "user_maya",
        role: "member",
        orgRole: "none",
        databaseRole: "authenticated_backend",
        tenant: "personal:user_maya",
        orgName: "Personal account",
      },
    ];
    for (const step of steps) {
      await switchTo(page, "user_maya", step.tenant.startsWith("org_") ? step.tenant : "");
      await expect(page.getByTestId("header-organization")).toHaveText(step.orgName);
      await expect(page.getByTestId("header-clerk-role")).toHaveText(step.orgRole);
      await expect(page.getByTestId("header-postgres-role")).toHaveText(step.databaseRole);
      await expectScopedTodos(page, db, step);
      const shot = testInfo.outputPath(`maya-${step.tenant.replace(":", "-")}.png`);
      await page.screenshot({ path: shot, fullPage: true });
      await testInfo.attach(`/todos as user_maya in ${step.orgName}`, {
        path: shot,
        contentType: "image/png",
      });
    }
  } finally {
    await db.close();
  }
});

test("Gina and Adam never see each other's organizations; Eve sees nothing outside her own", async ({
  page,
}, testInfo) => {
  const db = await ownerDatabase();
  try {
    for (const person of [...OUTSIDERS, PEOPLE[2]]) {
      await signIn(page, person.userId);
      await expect(page.getByTestId("header-organization")).toHaveText(person.orgName);
      await expectScopedTodos(page, db, person);
      const foreign = await db.query<{ id: string }>("select id from todos where tenant_id <> $1", [
        person.tenant,
      ]);
      const shown = await page
        .getByTestId("todo")
        .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-todo-id")));
      expect(shown.filter((id) => foreign.some((row) => row.id === id))).toEqual([]);
      await page.goto("/audit");
      const auditTodos = await page
        .getByTestId("audit-entry")
        .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-todo-id")));
      expect(auditTodos.filter((id) => foreign.some((row) => row.id === id))).toEqual([]);
      const shot = testInfo.outputPath(`todos-${person.tenant}.png`);
      await page.goto("/todos");
      await page.screenshot({ path: shot, fullPage: true });
      await testInfo.attach(`/todos in ${person.orgName} as ${person.userId}`, {
        path: shot,
        contentType: "image/png",
      });
    }
  } finally {
    await db.close();
  }
});

test("without JavaScript, switching identities is a form post and /todos changes", async ({
  browser,
}) => {
  const page = await browser.newPage({ javaScriptEnabled: false });
  const db = await ownerDatabase();
  try {
    await signIn(page, "user_bob");
    await expectScopedTodos(page, db, PEOPLE[3]);
    await switchTo(page, "user_adam");
    await expect(page.getByTestId("header-postgres-role")).toHaveText("admin_backend");
    await expectScopedTodos(page, db, PEOPLE[2]);
    await switchTo(page, "user_bob");
    await expectScopedTodos(page, db, PEOPLE[3]);
  } finally {
    await db.close();
  }
});

// The matrix: every demo identity × every page and action, allowed or denied, each tried in the browser.
type Check =
  | "page /todos"
  | "page /review"
  | "page /audit"
  | "create"
  | "edit own"
  | "edit other's"
  | "review"
  | "bulk"
  | "read audit";
const ALLOWED: Record<Role, ReadonlySet<Check>> = {
  member: new Set<Check>(["page /todos", "create", "edit own"]),
  moderator: new Set<Check>(["page /todos", "page /review", "create", "edit own", "review"]),
  admin: new Set<Check>([
    "page /todos",
    "page /review",
    "page /audit",
    "create",
    "edit own",
    "edit other's",
    "review",
    "bulk",
    "read audit",
  ]),
};
const CHECKS: Check[] = [
  "page /todos",
  "page /review",
  "page /audit",
  "create",
  "edit own",
  "edit other's",
  "review",
  "bulk",
  "read audit",
];
/** The matrix's target todo lives in Acme: for an admin of another organization, it does not exist. */
const ACROSS_TENANTS: ReadonlySet<Check> = new Set<Check>(["edit other's", "review", "bulk"]);
const allowedFor = (person: Person, check: Check) =>
  ALLOWED[person.role].has(check) && !(person.tenant !== "org_acme" && ACROSS_TENANTS.has(check));

async function attempt(
  page: Page,
  check: Check,
  userId: string,
  otherId: string,
): Promise<boolean> {
  switch (check) {
    case "page /todos":
    case "page /review":
    case "page /audit": {
      const response = await page.goto(check.slice(5));
      return response?.status() === 200;
    }
    case "create": {
      await page.goto("/todos");
      const task = uniqueTask(`created by ${userId}`);
      await page.getByRole("textbox", { name: "New todo" }).fill(task);
      await page.getByRole("button", { name: "Add" }).click();
      return todoRow(page, task)
        .waitFor({ timeout: 5_000 })
        .then(
          () => true,
          () => false,
        );
    }
    case "edit own": {
      await page.goto("/todos");
      const task = uniqueTask(`own of ${userId}`);
      await createTodo(page, task);
      const edited = `${task} (edited)`;
      const row = todoRow(page, task);
      await row.getByText("Edit").click();
      await row.getByLabel(/New text for/).fill(edited);
      await row.getByRole("button", { name: "Save" }).click();
      return todoRow(page, edited)
        .waitFor({ timeout: 5_000 })
        .then(
          () => true,
          () => false,
        );
    }
    case "edit other's": {
      await page.goto("/todos");
      const row = page.locator(`[data-todo-id="${otherId}"]`);
      if ((await row.count()) === 1 && (await row.getByText("Edit").count()) === 1) {
        const edited = uniqueTask(`edited by ${userId}`);
        await row.getByText("Edit").click();
        await row.getByLabel(/New text for/).fill(edited);
        await row.getByRole("button", { name: "Save" }).click();
        return todoRow(page, edited)
          .waitFor({ timeout: 5_000 })
          .then(
            () => true,
            () => false,
          );
      }
      // Not offered; forcing it must fail too.
      const forced = await postAs(page, "/todos", {
        intent: "update",
        id: otherId,
        task: `forced by ${userId}`,
      });
      return forced.status() === 303;
    }
    case "review": {
      const response = await postAs(page, "/review", {
        intent: "review",
        id: otherId,
        verdict: "approved",
        note: `matrix ${userId}`,
      });
      return response.status() === 303;
    }
    case "bulk": {
      // A bulk action over rows the caller cannot see answers 303 with nothing changed: ask the database what happened.
      const db = await ownerDatabase();
      try {
        const completeNow = async () =>
          (
            await db.query<{ is_complete: boolean }>(
              "select is_complete from todos where id = $1",
              [otherId],
            )
          )[0].is_complete;
        const before = await completeNow();
        const response = await postAs(page, "/todos/bulk", {
          intent: "bulk",
          action: before ? "reopen" : "complete",
          id: otherId,
        });
        return response.status() === 303 && (await completeNow()) !== before;
      } finally {
        await db.close();
      }
    }
    case "read audit": {
      await page.goto("/audit");
      return (await page.getByTestId("audit-entry").count()) > 0;
    }
  }
}

test.describe("role matrix", () => {
  let otherId: string;
  test.beforeAll(async () => {
    const db = await ownerDatabase();
    otherId = (
      await db.query<{ id: string }>(
        "insert into todos (user_id, task) values ('user_matrix_owner', 'Matrix target') returning id",
      )
    )[0].id;
    await db.close();
  });

  for (const person of [...PEOPLE, ...OUTSIDERS]) {
    for (const check of CHECKS) {
      const allowed = allowedFor(person, check);
      test(`${person.userId} (${person.role}) · ${check} → ${allowed ? "allowed" : "denied"}`, async ({
        page,
      }) => {
        await signIn(page, person.userId);
        const before = await ownerDatabase();
        const snapshot = await before.query(
          "select user_id, task, is_complete from todos where id = $1",
          [otherId],
        );
        await before.close();
        expect(await attempt(page, check, person.userId, otherId)).toBe(allowed);
        if (!allowed && (check === "edit other's" || check === "bulk")) {
          const after = await ownerDatabase();
          expect(
            await after.query("select user_id, task, is_complete from todos where id = $1", [
              otherId,
            ]),
          ).toEqual(snapshot);
          await after.close();
        }
      });
    }
  }
});
