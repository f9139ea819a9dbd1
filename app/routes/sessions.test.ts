import { afterAll, afterEach, describe, expect, it } from "vitest";
import { closeRolePools } from "../../db/pools.server";
import { ownerPool } from "../../db/testing/identities";
import { reloadConfig } from "../config.server";
import { setFlash } from "../lib/flash.server";
import { args, formPost, settle, signInAs, URL_BASE } from "../testing/routes";
import { action as signInAction } from "./sign-in";
import { action as signOut } from "./sign-out";
import { action as switchRole } from "./switch";
import { action as todosAction, loader as todosLoader } from "./todos";

/**
 * The local identity provider's sessions live in Postgres: signing out,
 * signing in again and switching end the old one, so a copied cookie is
 * worthless afterwards.
 */

const owner = ownerPool();

afterAll(async () => {
  await owner.end();
  await closeRolePools();
});

const page = (cookie: string) =>
  settle(() =>
    todosLoader(args(new Request(`${URL_BASE}/todos`, { headers: { Cookie: cookie } }))),
  );
const cookieOf = (response: Response) => response.headers.get("Set-Cookie")!.split(";")[0];
const todoCount = async () =>
  Number((await owner.query("select count(*) from todos")).rows[0].count);

async function expectEnded(copied: string) {
  const read = await page(copied);
  expect(read.response.status).toBe(401);
  const before = await todoCount();
  const write = await settle(() =>
    todosAction(
      args(formPost("/todos", { intent: "create", task: "written with a copied cookie" }, copied)),
    ),
  );
  expect(write.response.status).toBe(401);
  expect(await todoCount()).toBe(before);
}

describe("a copied session cookie", () => {
  it("works while its session lives (the checks below can fail)", async () => {
    const cookie = await signInAs("user_alice");
    expect((await page(cookie)).response.status).toBe(200);
    expect((await page(cookie)).response.status).toBe(200);
  });

  it("is worthless after sign-out", async () => {
    const cookie = await signInAs("user_alice");
    const { response } = await settle(() => signOut(args(formPost("/sign-out", {}, cookie))));
    expect(response.status).toBe(303);
    expect(response.headers.get("Set-Cookie")).toMatch(
      /^__warden_session=;.*Max-Age=0|Expires=Thu, 01 Jan 1970/,
    );
    await expectEnded(cookie);
  });

  it("is worthless after a switch, down or up; the new cookie works", async () => {
    const cookie = await signInAs("user_adam");
    const { response } = await settle(() =>
      switchRole(
        args(formPost("/switch", { identity: "user_adam", org: "", returnTo: "/todos" }, cookie)),
      ),
    );
    expect(response.status).toBe(303);
    const switched = cookieOf(response);
    await expectEnded(cookie);
    const now = await page(switched);
    expect(now.response.status).toBe(200);
    expect((await now.response.json()).databaseRole).toBe("authenticated_backend");
  });

  it("of an ended session cannot switch its way back in", async () => {
    const cookie = await signInAs("user_adam");
    await settle(() => signOut(args(formPost("/sign-out", {}, cookie))));
    const { response } = await settle(() =>
      switchRole(args(formPost("/switch", { identity: "user_adam", org: "org_acme" }, cookie))),
    );
    expect(response.status).toBe(401);
    expect(response.headers.get("Set-Cookie")).toBeNull();
  });

  it("is worthless after the same browser signs in again", async () => {
    const first = await signInAs("user_bob");
    const { response } = await settle(() =>
      signInAction(args(formPost("/sign-in", { identity: "user_maya" }, first))),
    );
    expect(response.status).toBe(302);
    await expectEnded(first);
    expect((await page(cookieOf(response))).response.status).toBe(200);
  });
});

describe("the flash message", () => {
  it("is shown when the app set it", async () => {
    const cookie = await signInAs("user_alice");
    const flash = (
      await setFlash(new Request(URL_BASE), { text: "Marked 3 todos complete.", undo: 42 })
    ).split(";")[0];
    const { response } = await page(`${cookie}; ${flash}`);
    expect((await response.json()).flash).toEqual({ text: "Marked 3 todos complete.", undo: 42 });
  });

  it("is ignored when another page forged it (it is signed)", async () => {
    const cookie = await signInAs("user_alice");
    const forged = `__warden_flash=${Buffer.from(JSON.stringify({ text: "Your account is suspended: call +1 555 0100" })).toString("base64")}`;
    const { response } = await page(`${cookie}; ${forged}`);
    expect((await response.json()).flash).toBeNull();
  });
});

describe("Secure cookies", () => {
  afterEach(() => {
    delete process.env.WARDEN_ORIGIN;
    reloadConfig();
  });

  const signInAt = (origin: string) =>
    settle(() =>
      signInAction(
        args(
          new Request(`${origin}/sign-in`, {
            method: "POST",
            body: "identity=user_bob",
            headers: { Origin: origin, "Content-Type": "application/x-www-form-urlencoded" },
          }),
        ),
      ),
    );

  it("are not Secure on plain http at loopback", async () => {
    const { response } = await signInAt("http://127.0.0.1:3000");
    expect(response.status).toBe(302);
    expect(response.headers.get("Set-Cookie")).not.toMatch(/;\s*Secure/i);
  });

  it("are Secure when served from any other host, even over http", async () => {
    const { response } = await signInAt("http://warden.lan:3000");
    expect(response.status).toBe(302);
    expect(response.headers.get("Set-Cookie")).toMatch(/;\s*Secure/i);
  });

  it("are Secure behind a TLS proxy, where the configured origin is https", async () => {
    process.env.WARDEN_ORIGIN = "https://warden.example";
    reloadConfig();
    const request = new Request("http://10.0.0.5:3000/sign-in", {
      method: "POST",
      body: "identity=user_bob",
      headers: {
        Origin: "https://warden.example",
        "Content-Type": "application/x-www-form-urlencoded",
      },
    });
    const { response } = await settle(() => signInAction(args(request)));
    expect(response.status).toBe(302);
    expect(response.headers.get("Set-Cookie")).toMatch(/;\s*Secure/i);
  });
});
