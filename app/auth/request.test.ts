import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { closeRolePools, rolePool } from "../../db/pools.server";
import { BACKEND_ROLE_NAMES } from "../../roles/roles";
import { loader as rootLoader } from "../root";
import { action as reviewAction } from "../routes/review";
import { loader as auditLoader } from "../routes/audit";
import { action as todosAction, loader as todosLoader } from "../routes/todos";
import { action as bulkAction } from "../routes/todos.bulk";
import { args, formPost, respond, settle, signInAs, URL_BASE } from "../testing/routes";
import { brokenTokens } from "../testing/tokens";
import { storeLocalToken } from "./session.server";
import { tokenVerifier } from "./verifier.server";

/**
 * The order every route keeps: identity → capability → input → one scoped
 * call. Verification needs no connection, so a bad token, a refused
 * capability and malformed input are all answered before one is taken.
 */

let cookies: Record<"alice" | "maya" | "adam", string>;
let acquired = 0;
const onAcquire = () => acquired++;

beforeAll(async () => {
  cookies = {
    alice: await signInAs("user_alice"),
    maya: await signInAs("user_maya"),
    adam: await signInAs("user_adam"),
  };
  for (const role of BACKEND_ROLE_NAMES) rolePool(role).pool.on("acquire", onAcquire);
});

afterAll(async () => {
  for (const role of BACKEND_ROLE_NAMES) rolePool(role).pool.off("acquire", onAcquire);
  await closeRolePools();
});

/** Connections checked out of any role's pool while `run` runs. */
async function connectionsTakenBy(run: () => Promise<unknown>): Promise<number> {
  const before = acquired;
  await run();
  return acquired - before;
}

const get = (cookie: string, path: string) =>
  new Request(`${URL_BASE}${path}`, { headers: { Cookie: cookie } });

describe("a token that fails verification", () => {
  it.each([
    "expired",
    "wrongIssuer",
    "foreignKey",
    "unsigned",
    "tamperedPayload",
    "numericSub",
    "noExpiry",
    "garbage",
    "headerOnly",
  ])("(%s) is a 401 without a connection", async (kind) => {
    const token = (await brokenTokens("user_adam"))[kind];
    const cookie = (await storeLocalToken(new Request(URL_BASE), token)).split(";")[0];
    let outcome: Awaited<ReturnType<typeof settle>> | undefined;
    const taken = await connectionsTakenBy(async () => {
      outcome = await settle(() => todosLoader(args(get(cookie, "/todos"))));
    });
    expect(outcome!.response.status).toBe(401);
    expect(taken).toBe(0);
  });

  it("a valid session does take a connection (the probe above can fail)", async () => {
    let status = 0;
    const taken = await connectionsTakenBy(async () => {
      status = (await settle(() => todosLoader(args(get(cookies.alice, "/todos"))))).response
        .status;
    });
    expect(status).toBe(200);
    expect(taken).toBe(1);
  });
});

describe("capability and input checks come before any connection", () => {
  it.each([
    ["a member opens /audit", () => auditLoader(args(get(cookies.alice, "/audit"))), 403],
    ["a moderator opens /audit", () => auditLoader(args(get(cookies.maya, "/audit"))), 403],
    [
      "a member posts a verdict",
      () =>
        reviewAction(
          args(
            formPost("/review", { intent: "review", id: "1", verdict: "approved" }, cookies.alice),
          ),
        ),
      403,
    ],
    [
      "a moderator bulk-deletes",
      () =>
        bulkAction(
          args(
            formPost(
              "/todos/bulk",
              { intent: "bulk", action: "delete", scope: "filter", confirmed: "yes" },
              cookies.maya,
            ),
          ),
        ),
      403,
    ],
    [
      "a member bulk-completes",
      () =>
        bulkAction(
          args(
            formPost("/todos/bulk", { intent: "bulk", action: "complete", id: "1" }, cookies.alice),
          ),
        ),
      403,
    ],
    [
      "an admin's malformed bulk action",
      () =>
        bulkAction(
          args(
            formPost("/todos/bulk", { intent: "bulk", action: "explode", id: "1" }, cookies.adam),
          ),
        ),
      400,
    ],
    [
      "a malformed todo",
      () => todosAction(args(formPost("/todos", { intent: "create", task: "   " }, cookies.alice))),
      400,
    ],
    [
      "a malformed verdict",
      () =>
        reviewAction(
          args(formPost("/review", { intent: "review", id: "1", verdict: "maybe" }, cookies.maya)),
        ),
      400,
    ],
    [
      "a malformed audit filter",
      () => auditLoader(args(get(cookies.adam, "/audit?from=0000-01-01"))),
      400,
    ],
    [
      "a malformed list filter",
      () => todosLoader(args(get(cookies.alice, "/todos?status=sideways"))),
      400,
    ],
  ] as [string, () => Promise<Response>, number][])("%s", async (_name, run, status) => {
    let response: Response | undefined;
    const taken = await connectionsTakenBy(async () => {
      response = (await settle(run)).response;
    });
    expect(response!.status).toBe(status);
    expect(taken).toBe(0);
  });
});

describe("one verification per request", () => {
  it("the root and route loaders of one request share it", async () => {
    const verifier = await tokenVerifier();
    const verify = vi.spyOn(verifier, "verify");
    try {
      const request = get(cookies.adam, "/todos");
      const context = {};
      const [root, page] = await Promise.all([
        rootLoader({ request, params: {}, context }),
        todosLoader({ request, params: {}, context }),
      ]);
      expect((await (await respond(root)).json()).identity.userId).toBe("user_adam");
      expect((await (await respond(page)).json()).userId).toBe("user_adam");
      expect(verify).toHaveBeenCalledTimes(1);

      // Two requests are two verifications: the count above can fail.
      await Promise.all([
        rootLoader(args(get(cookies.adam, "/todos"))),
        todosLoader(args(get(cookies.adam, "/todos"))),
      ]);
      expect(verify).toHaveBeenCalledTimes(3);
    } finally {
      verify.mockRestore();
    }
  });
});
