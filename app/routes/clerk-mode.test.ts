import { afterEach, beforeEach, expect, it } from "vitest";
import { reloadConfig } from "../config.server";
import { args, formPost, settle, URL_BASE } from "../testing/routes";
import { loader as jwks } from "./[.well-known].[jwks.json]";
import { action as signInAction, loader as signInLoader } from "./sign-in";
import { action as signOut } from "./sign-out";
import { action as switchRole } from "./switch";

// With both Clerk keys set, the local identity provider's routes do not exist.
beforeEach(() => {
  process.env.CLERK_PUBLISHABLE_KEY = `pk_test_${Buffer.from("example.clerk.accounts.dev$").toString("base64")}`;
  process.env.CLERK_SECRET_KEY = "sk_test_not_a_real_key";
  reloadConfig();
});
afterEach(() => {
  delete process.env.CLERK_PUBLISHABLE_KEY;
  delete process.env.CLERK_SECRET_KEY;
  reloadConfig();
});

const post = (path: string, fields: Record<string, string>) => formPost(path, fields);

it.each([
  ["GET /sign-in", () => Promise.resolve(signInLoader(args(new Request(`${URL_BASE}/sign-in`))))],
  ["POST /sign-in", () => signInAction(args(post("/sign-in", { identity: "user_adam" })))],
  ["POST /sign-out", () => signOut(args(post("/sign-out", {})))],
  [
    "POST /switch",
    () => switchRole(args(post("/switch", { identity: "user_adam", org: "org_acme" }))),
  ],
  ["GET /.well-known/jwks.json", () => jwks()],
] as [string, () => Promise<Response>][])(
  "%s answers 404 and sets no cookie",
  async (_name, run) => {
    const { response } = await settle(run);
    expect(response.status).toBe(404);
    expect(response.headers.get("Set-Cookie")).toBeNull();
  },
);

it("without the keys the same routes work (the check above can fail)", async () => {
  delete process.env.CLERK_PUBLISHABLE_KEY;
  delete process.env.CLERK_SECRET_KEY;
  reloadConfig();
  const { response } = await settle(() =>
    signInAction(args(post("/sign-in", { identity: "user_adam" }))),
  );
  expect(response.status).toBe(302);
  expect(response.headers.get("Set-Cookie")).toMatch(/^__warden_session=/);
});
