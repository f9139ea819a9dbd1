import { expect, test, type APIResponse, type Page } from "@playwright/test";
import { dataPath, databaseDigest, outsideClient, sessionCookie, setCookies } from "./attack";
import { decodeData } from "./http-client";
import { APP_ORIGIN, E2E_PORT } from "./origin";
import { ownerDatabase } from "./owner-db";
import { createTodo, postAs, signIn, switchTo, uniqueTask } from "./support";

type OwnerDatabase = Awaited<ReturnType<typeof ownerDatabase>>;

// ---------------------------------------------------------------------------
// 1. Forgery: only the app's own origin may change state.
// ---------------------------------------------------------------------------

/** Everything a cross-site page, another app on this host, a sandboxed frame or a bare client could send. */
const FORGED: { label: string; headers: Record<string, string> }[] = [
  { label: "a foreign origin", headers: { Origin: "https://evil.example" } },
  {
    label: "the same site on another port",
    headers: { Origin: `http://127.0.0.1:${E2E_PORT + 1}` },
  },
  { label: "Origin: null", headers: { Origin: "null" } },
  { label: "no Origin", headers: {} },
  {
    label: "the app's Origin but Sec-Fetch-Site: cross-site",
    headers: { Origin: APP_ORIGIN, "Sec-Fetch-Site": "cross-site" },
  },
];

type Mode = "document" | "data";

interface Target {
  path: string;
  form: Record<string, string>;
  /** Checks, after the control request, that it did what the route is for. */
  took: (db: OwnerDatabase, response: APIResponse) => Promise<void>;
}

interface Mutation {
  name: string;
  victim: string;
  routeId: string;
  /** The document post's answer when it succeeds (a data post's is 202 with the redirect in its body). */
  success: number;
  /** Succeeding ends the victim's session: a copy of its cookie is worthless afterwards. */
  endsSession?: true;
  target: (db: OwnerDatabase) => Promise<Target>;
}

/** A copy of the cookie no longer opens a session: what signing out, switching or signing in again must do to the old one. */
async function expectSessionEnded(cookie: string) {
  const client = await outsideClient(cookie);
  try {
    expect(
      (await client.get("/todos", { maxRedirects: 0 })).status(),
      "the old session cookie after the control request",
    ).toBe(401);
  } finally {
    await client.dispose();
  }
}

const MUTATIONS: Mutation[] = [
  {
    name: "todos create",
    victim: "user_alice",
    routeId: "routes/todos",
    success: 303,
    target: async () => {
      const task = uniqueTask("Forged todo");
      return {
        path: "/todos",
        form: { intent: "create", task },
        took: async (db) =>
          expect(
            await db.count(
              "select count(*) as n from todos where task = $1 and user_id = 'user_alice'",
              [task],
            ),
          ).toBe(1),
      };
    },
  },
  {
    name: "todos bulk delete of a whole filter",
    victim: "user_adam",
    routeId: "routes/todos.bulk",
    success: 303,
    target: async (db) => {
      // The filter (the page's URL) matches only these two, so the control request deletes nothing else.
      const marker = uniqueTask("bulk-forgery-target");
      await db.query(
        "insert into todos (user_id, task) values ('user_bob', $1 || ' one'), ('user_alice', $1 || ' two')",
        [marker],
      );
      return {
        path: `/todos/bulk?q=${encodeURIComponent(marker)}`,
        form: { intent: "bulk", action: "delete", scope: "filter", confirmed: "yes" },
        took: async (db) =>
          expect(
            await db.count("select count(*) as n from todos where task like $1 || '%'", [marker]),
          ).toBe(0),
      };
    },
  },
  {
    name: "review approve",
    victim: "user_maya",
    routeId: "routes/review",
    success: 303,
    target: async (db) => {
      const [{ id }] = await db.query<{ id: string }>(
        "insert into todos (user_id, task) values ('user_alice', $1) returning id",
        [uniqueTask("Review forgery target")],
      );
      return {
        path: "/review",
        form: { intent: "review", id: String(id), verdict: "approved" },
        took: async (db) =>
          expect(
            await db.count(
              "select count(*) as n from todo_reviews where todo_id = $1 and reviewer_id = 'user_maya' and verdict = 'approved'",
              [id],
            ),
          ).toBe(1),
      };
    },
  },
  {
    name: "sign-out",
    endsSession: true,
    victim: "user_bob",
    routeId: "routes/sign-out",
    success: 303,
    target: async () => ({
      path: "/sign-out",
      form: {},
      took: async (_db, response) =>
        expect(setCookies(response, "__warden_session").join("\n")).toMatch(
          /Max-Age=0|Expires=Thu, 01 Jan 1970/,
        ),
    }),
  },
  {
    name: "switch to user_adam in Acme (its admin)",
    endsSession: true,
    victim: "user_alice",
    routeId: "routes/switch",
    success: 303,
    target: async () => ({
      path: "/switch",
      form: { identity: "user_adam", org: "org_acme", returnTo: "/todos" },
      took: async (_db, response) =>
        expect(setCookies(response, "__warden_session")).toHaveLength(1),
    }),
  },
  {
    name: "sign-in as user_adam",
    endsSession: true,
    victim: "user_alice",
    routeId: "routes/sign-in",
    success: 302,
    target: async () => ({
      path: "/sign-in",
      form: { identity: "user_adam" },
      took: async (_db, response) =>
        expect(setCookies(response, "__warden_session")).toHaveLength(1),
    }),
  },
];

test.describe("forged mutations are refused with 403 and change nothing", () => {
  for (const mutation of MUTATIONS) {
    for (const mode of ["document", "data"] as const satisfies readonly Mode[]) {
      test(`${mutation.name} (${mode} post)`, async ({ page }) => {
        await signIn(page, mutation.victim);
        const cookie = await sessionCookie(page);
        const db = await ownerDatabase();
        const client = await outsideClient(cookie);
        try {
          const target = await mutation.target(db);
          const path = mode === "document" ? target.path : dataPath(target.path, mutation.routeId);
          const before = await databaseDigest(db);
          for (const forged of FORGED) {
            const response = await client.post(path, {
              form: target.form,
              headers: forged.headers,
              maxRedirects: 0,
            });
            // Soft, so one run names every origin that gets through.
            expect.soft(response.status(), `${mode} post with ${forged.label}`).toBe(403);
            expect
              .soft(
                setCookies(response, "__warden_session"),
                `session cookie set in answer to ${forged.label}`,
              )
              .toEqual([]);
            expect.soft(await databaseDigest(db), `database after ${forged.label}`).toEqual(before);
          }

          // The control: the same request from the app's own origin does what the route is for.
          const control = await client.post(path, {
            form: target.form,
            headers: { Origin: APP_ORIGIN },
            maxRedirects: 0,
          });
          if (mode === "document") {
            expect(control.status(), "document post from the app's origin").toBe(mutation.success);
          } else {
            expect(control.status(), "data post from the app's origin").toBe(202);
            expect(await decodeData(await control.text())).toMatchObject({
              redirect: expect.any(String),
            });
          }
          await target.took(db, control);
          if (mutation.endsSession) await expectSessionEnded(cookie);
        } finally {
          await client.dispose();
          await db.close();
        }
      });
    }
  }
});

test("PUT, PATCH and DELETE to the mutating routes answer 405 and change nothing", async ({
  page,
}) => {
  await signIn(page, "user_adam");
  const cookie = await sessionCookie(page);
  const db = await ownerDatabase();
  const client = await outsideClient(cookie);
  try {
    const before = await databaseDigest(db);
    const routes: [string, string][] = [
      ["/todos", "routes/todos"],
      ["/review", "routes/review"],
      ["/sign-in", "routes/sign-in"],
      ["/sign-out", "routes/sign-out"],
      ["/switch", "routes/switch"],
    ];
    for (const [path, routeId] of routes) {
      for (const url of [path, dataPath(path, routeId)]) {
        for (const method of ["PUT", "PATCH", "DELETE"]) {
          // With the app's own Origin: the method alone must be the reason for the refusal.
          const response = await client.fetch(url, {
            method,
            form: { intent: "create", task: uniqueTask("By another method"), identity: "user_bob" },
            headers: { Origin: APP_ORIGIN },
            maxRedirects: 0,
          });
          expect.soft(response.status(), `${method} ${url}`).toBe(405);
        }
      }
    }
    expect(await databaseDigest(db)).toEqual(before);
  } finally {
    await client.dispose();
    await db.close();
  }
});

// ---------------------------------------------------------------------------
// 2. Headers, cookies and the CSP in a real browser.
// ---------------------------------------------------------------------------

function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(";")
      .map((part) => part.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...sources]) => [name.toLowerCase(), sources]),
  );
}

/** Checks an HTML answer's headers and that every script tag in it carries the CSP's nonce; returns the nonce. */
async function expectHardenedPage(response: APIResponse, label: string): Promise<string> {
  const headers = response.headers();
  expect(headers["content-type"], label).toContain("text/html");
  const csp = directives(headers["content-security-policy"] ?? "");
  const scriptSrc = csp.get("script-src") ?? [];
  const nonce = scriptSrc.map((source) => /^'nonce-([^']+)'$/.exec(source)?.[1]).find(Boolean);
  expect(nonce, `${label}: script-src ${scriptSrc.join(" ")}`).toBeTruthy();
  expect(scriptSrc, label).toContain("'strict-dynamic'");
  expect(csp.get("frame-ancestors"), label).toEqual(["'none'"]);
  expect(csp.get("object-src"), label).toEqual(["'none'"]);
  expect(csp.get("base-uri"), label).toEqual(["'none'"]);
  expect(csp.get("form-action"), label).toEqual(["'self'"]);
  expect(headers["x-content-type-options"], label).toBe("nosniff");
  expect(headers["referrer-policy"], label).toBe("same-origin");
  expect(headers["x-frame-options"], label).toBe("DENY");
  expect(headers["cache-control"], label).toBe("private, no-store");
  expect(
    headers["strict-transport-security"],
    `${label}: no HSTS over plain http on loopback`,
  ).toBeUndefined();

  // Browsers hide a nonce from the DOM, so the raw HTML is what shows it.
  const scripts = (await response.text()).match(/<script\b[^>]*>/gi) ?? [];
  expect(scripts.length, `${label}: script tags`).toBeGreaterThan(0);
  for (const tag of scripts) expect(tag, label).toContain(`nonce="${nonce}"`);
  return nonce!;
}

test("every page answers with a nonce-based CSP and the hardening headers; data answers are not cached or sniffed", async ({
  page,
  request,
}) => {
  const signedOutPages = ["/sign-in", "/sign-in?returnTo=%2Freview", "/no-such-page"];
  for (const path of signedOutPages)
    await expectHardenedPage(await request.get(path, { maxRedirects: 0 }), `${path} signed out`);

  await signIn(page, "user_adam");
  const pages = [
    "/todos",
    "/todos?status=open&sort=oldest",
    "/review",
    "/audit",
    "/todos?after=not-a-cursor",
    "/no-such-page",
  ];
  for (const path of pages)
    await expectHardenedPage(await page.request.get(path, { maxRedirects: 0 }), `${path} as adam`);

  const first = await expectHardenedPage(await page.request.get("/todos"), "/todos again");
  const second = await expectHardenedPage(await page.request.get("/todos"), "/todos once more");
  expect(second, "a fresh nonce per response").not.toBe(first);

  const data = [
    dataPath("/todos", "routes/todos"),
    dataPath("/todos", "root"),
    dataPath("/review", "routes/review"),
    dataPath("/audit", "routes/audit"),
    dataPath("/todos?after=not-a-cursor", "routes/todos"),
  ];
  for (const path of data) {
    const headers = (await page.request.get(path, { maxRedirects: 0 })).headers();
    expect(headers["cache-control"], path).toBe("private, no-store");
    expect(headers["x-content-type-options"], path).toBe("nosniff");
    expect(headers["strict-transport-security"], path).toBeUndefined();
  }
});

test("the session and flash cookies are HttpOnly and SameSite=Lax, and not Secure over http on loopback", async ({
  page,
}) => {
  await signIn(page, "user_adam");
  const stored = (await page.context().cookies()).find(
    (cookie) => cookie.name === "__warden_session",
  );
  expect(stored).toMatchObject({ httpOnly: true, sameSite: "Lax", secure: false });

  const client = await outsideClient();
  try {
    const signedIn = await client.post("/sign-in", {
      form: { identity: "user_bob" },
      headers: { Origin: APP_ORIGIN },
      maxRedirects: 0,
    });
    expect(signedIn.status()).toBe(302);
    const [session] = setCookies(signedIn, "__warden_session");
    expect(session).toMatch(/;\s*HttpOnly/i);
    expect(session).toMatch(/;\s*SameSite=Lax/i);
    expect(session).not.toMatch(/;\s*Secure/i);
  } finally {
    await client.dispose();
  }

  // A bulk action's result rides to the next page in the flash cookie.
  const id = await createTodo(page, uniqueTask("Flash cookie source"));
  const bulk = await postAs(page, "/todos/bulk", {
    intent: "bulk",
    action: "complete",
    id: String(id),
  });
  expect(bulk.status()).toBe(303);
  const [flash] = setCookies(bulk, "__warden_flash");
  expect(flash).toBeTruthy();
  expect(flash).toMatch(/;\s*HttpOnly/i);
  expect(flash).toMatch(/;\s*SameSite=Lax/i);
  expect(flash).not.toMatch(/;\s*Secure/i);
});

/** Collects CSP violations the page reports, both as console errors and as securitypolicyviolation events. */
async function watchCspViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text()))
      violations.push(message.text());
  });
  await page.exposeFunction("reportCspViolation", (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      (window as unknown as { reportCspViolation: (text: string) => void }).reportCspViolation(
        `${event.violatedDirective} blocked ${event.blockedURI} at ${event.sourceFile}:${event.lineNumber}`,
      );
    });
  });
  return violations;
}

test("the pages work under the CSP in Chromium: signing in, adding a todo with JavaScript, opening /review as maya", async ({
  page,
}) => {
  const violations = await watchCspViolations(page);
  await signIn(page, "user_maya");
  // Hydrated: the client bundle ran, so the CSP let the app's scripts through.
  await expect.poll(() => page.evaluate(() => "__remixRouter" in window)).toBe(true);
  const task = uniqueTask("Written under the CSP");
  await createTodo(page, task);
  await page.getByRole("link", { name: "Review", exact: true }).click();
  await expect(page).toHaveURL(/\/review$/);
  await expect(page.getByRole("heading", { name: "Review queue" })).toBeVisible();
  expect(violations).toEqual([]);
});

// ---------------------------------------------------------------------------
// 3. Signing out and switching end the old session.
// ---------------------------------------------------------------------------

/** The copied cookie reads nothing (401) and writes nothing, even from the app's own origin. */
async function expectCookieDead(cookie: string, label: string) {
  const db = await ownerDatabase();
  const client = await outsideClient(cookie);
  try {
    expect(
      (await client.get("/todos", { maxRedirects: 0 })).status(),
      `GET /todos with the cookie from before ${label}`,
    ).toBe(401);
    const task = uniqueTask(`After ${label}`);
    const post = await client.post("/todos", {
      form: { intent: "create", task },
      headers: { Origin: APP_ORIGIN },
      maxRedirects: 0,
    });
    expect(
      post.status(),
      `POST /todos with the cookie from before ${label}`,
    ).toBeGreaterThanOrEqual(400);
    expect(await db.count("select count(*) as n from todos where task = $1", [task])).toBe(0);
  } finally {
    await client.dispose();
    await db.close();
  }
}

async function expectCookieWorks(cookie: string, label: string) {
  const client = await outsideClient(cookie);
  try {
    expect((await client.get("/todos", { maxRedirects: 0 })).status(), label).toBe(200);
  } finally {
    await client.dispose();
  }
}

test("after signing out with the header's button, a copy of the old session cookie gets 401 and writes nothing", async ({
  page,
}) => {
  await signIn(page, "user_alice");
  const copied = await sessionCookie(page);
  await expectCookieWorks(copied, "the copied cookie before signing out");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await expectCookieDead(copied, "signing out");
});

test("after switching identity, a copy of the old session cookie gets 401 and writes nothing; the new one works", async ({
  page,
}) => {
  await signIn(page, "user_alice");
  const copied = await sessionCookie(page);
  await expectCookieWorks(copied, "the copied cookie before switching");
  await switchTo(page, "user_adam", "org_acme");
  await expect(page.getByTestId("header-postgres-role")).toHaveText("admin_backend");
  await expectCookieDead(copied, "switching");
  const current = await sessionCookie(page);
  expect(current).not.toBe(copied);
  await expectCookieWorks(current, "the cookie the switch set");
});

// ---------------------------------------------------------------------------
// 4. Separation of duties: a moderator never reviews her own todos.
// ---------------------------------------------------------------------------

test("maya is never offered her own todos for review, and a crafted verdict on one is 403 and writes nothing", async ({
  page,
}) => {
  const db = await ownerDatabase();
  try {
    const [seeded] = await db.query<{ id: string }>(
      "select id from todos where user_id = 'user_maya' and task = 'Update the moderation guidelines'",
    );
    expect(seeded, "maya's seeded todo").toBeTruthy();
    // Another moderator flagged a fresh todo of hers: it would sit in the flagged list, were it anyone else's.
    const [fresh] = await db.query<{ id: string }>(
      "insert into todos (user_id, task) values ('user_maya', $1) returning id",
      [uniqueTask("Maya's own flagged todo")],
    );
    await db.query(
      "insert into todo_reviews (todo_id, reviewer_id, verdict, reason, note) values ($1, 'user_adam', 'flagged', 'other', 'needs another look')",
      [fresh.id],
    );
    // Someone else's todo, to show the queue does offer other people's.
    const [other] = await db.query<{ id: string }>(
      "insert into todos (user_id, task) values ('user_bob', $1) returning id",
      [uniqueTask("Bob's todo for maya")],
    );
    await db.query(
      "insert into todo_reviews (todo_id, reviewer_id, verdict, reason) values ($1, 'user_adam', 'flagged', 'spam')",
      [other.id],
    );

    await signIn(page, "user_maya");
    await page.goto("/review");
    await expect(page.locator(`[data-review-item][data-todo-id="${other.id}"]`)).toHaveCount(1);
    for (const id of [seeded.id, fresh.id])
      await expect(page.locator(`[data-review-item][data-todo-id="${id}"]`)).toHaveCount(0);
    await expect(
      page
        .getByTestId("review-task")
        .getByText("Update the moderation guidelines", { exact: true }),
    ).toHaveCount(0);
    for (const owner of await page
      .getByTestId("review-owner")
      .evaluateAll((owners) => owners.map((owner) => owner.getAttribute("data-user-id"))))
      expect(owner).not.toBe("user_maya");

    for (const id of [seeded.id, fresh.id]) {
      const before = await db.count("select count(*) as n from todo_reviews where todo_id = $1", [
        id,
      ]);
      const response = await postAs(page, "/review", {
        intent: "review",
        id: String(id),
        verdict: "approved",
      });
      expect(response.status(), `maya's verdict on her own todo ${id}`).toBe(403);
      expect(
        await db.count("select count(*) as n from todo_reviews where todo_id = $1", [id]),
      ).toBe(before);
    }
  } finally {
    await db.close();
  }
});
