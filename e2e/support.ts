import { expect, type Page } from "@playwright/test";
import { DEMO_IDENTITIES } from "../db/demo-identities";
import { APP_ORIGIN } from "./origin";

export const uniqueTask = (label: string) =>
  `${label} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** Signs in through the local provider's page, as a person would (works without JavaScript). */
export async function signIn(page: Page, userId: string) {
  await page.goto("/sign-in");
  await page.getByRole("button", { name: new RegExp(userId) }).click();
  await expect(page).toHaveURL(/\/todos$/);
  await expect(page.getByTestId("header-user")).toHaveText(userId);
}

export const todoRow = (page: Page, task: string) =>
  page
    .getByTestId("todo")
    .filter({ has: page.getByTestId("todo-task").getByText(task, { exact: true }) });

export async function createTodo(page: Page, task: string) {
  await page.getByRole("textbox", { name: "New todo" }).fill(task);
  await page.getByRole("button", { name: "Add" }).click();
  await expect(todoRow(page, task)).toHaveCount(1);
  return Number(await todoRow(page, task).getAttribute("data-todo-id"));
}

/**
 * Switches identity and active organization with the header's switcher, as a
 * person would. `org` is an organization id, "" for the personal account, or
 * left out for the identity's first organization.
 */
export async function switchTo(page: Page, userId: string, org?: string) {
  const identity = DEMO_IDENTITIES.find((candidate) => candidate.userId === userId)!;
  await page.getByRole("combobox", { name: "Identity" }).selectOption(userId);
  await page
    .getByRole("combobox", { name: "Organization" })
    .selectOption(org ?? identity.memberships[0]?.orgId ?? "");
  await page.getByRole("button", { name: "Switch" }).click();
  await expect(page.getByTestId("header-user")).toHaveText(userId);
}

/**
 * A post crafted outside the page's forms, with the page's session and the
 * app's own Origin: it gets past the forgery check, so what answers is the
 * capability check or the database.
 */
export function postAs(page: Page, path: string, form: Record<string, string>) {
  return page.request.post(path, { form, maxRedirects: 0, headers: { Origin: APP_ORIGIN } });
}
