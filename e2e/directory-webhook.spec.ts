import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { expect, test } from "@playwright/test";
import { ownerDatabase } from "./owner-db";
import { APP_ORIGIN } from "./origin";
import { signIn } from "./support";

/**
 * The webhook against the running server, sent the documented way
 * (`npm run directory:send-event`, signed with the local test secret, no
 * cookie and no Origin, as Clerk sends it): a new member shows up in the
 * admin's reassign picker at the next page load, and a tampered event
 * changes nothing.
 */

const run = promisify(execFile);
const DATA_DIR = path.resolve(process.env.E2E_DATA_DIR ?? ".data/e2e");

async function sendEvent(args: string[]) {
  try {
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", "scripts/send-webhook.ts", "--url", APP_ORIGIN, ...args],
      {
        env: { ...process.env, WARDEN_DATA_DIR: DATA_DIR, CLERK_WEBHOOK_SIGNING_SECRET: "" },
      },
    );
    return { code: 0, output: stdout.trim() };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, output: failed.stdout.trim() };
  }
}

test("a signed organizationMembership.created puts the new member in Adam's reassign picker; a tampered one changes nothing", async ({
  page,
}) => {
  const suffix = Date.now().toString(36);
  const zoe = `user_zoe_${suffix}`;
  const yuri = `user_yuri_${suffix}`;
  const db = await ownerDatabase();
  try {
    const directory = () =>
      db.query(
        "select organization_id, user_id, role, updated_at::text, deleted_at::text from directory.memberships order by 1, 2",
      );
    await signIn(page, "user_adam");
    const picker = page.getByLabel("New owner");
    await expect(picker.locator("option", { hasText: "Alice" })).toHaveCount(1);
    await expect(picker.locator(`option[value="${zoe}"]`)).toHaveCount(0);

    const before = await directory();
    const tampered = await sendEvent([
      "--type",
      "organizationMembership.created",
      "--org",
      "org_acme",
      "--user",
      yuri,
      "--name",
      "Yuri",
      "--tamper",
    ]);
    expect(tampered.code).toBe(1);
    expect(tampered.output).toMatch(/^400 .*signature did not verify.*Nothing was changed/);
    expect(await directory()).toEqual(before);

    const sent = await sendEvent([
      "--type",
      "organizationMembership.created",
      "--org",
      "org_acme",
      "--user",
      zoe,
      "--name",
      "Zoe",
    ]);
    expect(sent).toEqual({
      code: 0,
      output: '200 {"status":"applied","type":"organizationMembership.created"}',
    });

    await page.reload();
    await expect(picker.locator(`option[value="${zoe}"]`)).toHaveText(/Zoe/);
    await expect(picker.locator(`option[value="${yuri}"]`)).toHaveCount(0);

    // The same delivery again is a duplicate of nothing new: a second send is a new message, applied idempotently.
    expect(
      (
        await sendEvent([
          "--type",
          "organizationMembership.created",
          "--org",
          "org_acme",
          "--user",
          zoe,
          "--name",
          "Zoe",
        ])
      ).code,
    ).toBe(0);
    await page.reload();
    await expect(picker.locator(`option[value="${zoe}"]`)).toHaveCount(1);
  } finally {
    await db.close();
  }
});

test("the webhook takes no cookie and no Origin, and still refuses what is not signed", async () => {
  const response = await fetch(`${APP_ORIGIN}/webhooks/clerk`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ type: "user.created", data: {} }),
  });
  expect(response.status).toBe(400);
  expect(((await response.json()) as { message: string }).message).toMatch(
    /signature did not verify/,
  );
});
