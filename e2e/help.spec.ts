import { expect, test } from "@playwright/test";
import { signIn } from "./support";

test("signed out, /help sends you to sign in and back", async ({ page }) => {
  await page.goto("/help");
  await expect(page).toHaveURL(/\/sign-in\?returnTo=%2Fhelp$/);
});

test("the header's Help link shows the review shortcuts and marks your role", async ({ page }) => {
  await signIn(page, "user_maya");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Help" }).click();
  await expect(page).toHaveURL(/\/help$/);
  await expect(page.getByRole("heading", { name: "Help", level: 1 })).toBeVisible();
  const shortcuts = page.getByTestId("shortcuts");
  for (const key of ["j", "k", "a", "f"])
    await expect(shortcuts.locator("kbd", { hasText: new RegExp(`^${key}$`) })).toHaveCount(1);
  await expect(page.getByTestId("role-help")).toHaveCount(3);
  await expect(page.locator('[data-testid="role-help"][aria-current="true"]')).toHaveAttribute(
    "data-role",
    "org:moderator",
  );
  // Same security headers as every page: the nonce'd CSP among them.
  const response = await page.request.get("/help");
  expect(response.headers()["content-security-policy"]).toMatch(/script-src 'nonce-[^']+'/);
  expect(response.headers()["cache-control"]).toBe("private, no-store");
});
