import { expect, type Page } from "@playwright/test";
import { signIn } from "./support";

/**
 * Every page each role may open, and the states of pages worth a look of
 * their own (a confirmation, a dialog, an empty list, an error), for the
 * accessibility and layout checks to visit alike.
 */
export interface PageState {
  name: string;
  open: (page: Page) => Promise<void>;
}

export interface Visitor {
  /** Who: a demo identity, or nobody (signed out). */
  userId: string | null;
  label: string;
  states: PageState[];
}

const visit = (path: string): PageState => ({
  name: path,
  open: async (page) => {
    await page.goto(path);
    await page.waitForLoadState("load");
  },
});

/** The newest todo on the visitor's /todos: a page of its own, with a history. */
const todoPage: PageState = {
  name: "/todos/:id",
  open: async (page) => {
    await page.goto("/todos");
    const id = await page.getByTestId("todo").first().getAttribute("data-todo-id");
    await page.goto(`/todos/${id}`);
    await expect(page.getByTestId("timeline-entry").first()).toBeVisible();
  },
};

const bulkConfirm: PageState = {
  name: "/todos (bulk delete, asking first)",
  open: async (page) => {
    await page.goto("/todos");
    await page
      .getByTestId("todo")
      .first()
      .getByRole("checkbox", { name: /Select/ })
      .check();
    await page.getByRole("button", { name: "Delete…" }).click();
    await expect(page.getByRole("alertdialog")).toBeVisible();
  },
};

const shortcutHelp: PageState = {
  name: "/review (shortcuts dialog)",
  open: async (page) => {
    await page.goto("/review");
    await page.waitForLoadState("load");
    await page.getByRole("button", { name: /Keyboard shortcuts/ }).click();
    await expect(page.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeVisible();
  },
};

const notFound = visit("/todos/999999999");

export const VISITORS: Visitor[] = [
  {
    userId: null,
    label: "signed out",
    states: [visit("/sign-in"), visit("/help"), visit("/no-such-page")],
  },
  {
    userId: "user_alice",
    label: "member alice",
    states: [visit("/todos"), visit("/todos?q=no+such+task"), todoPage, visit("/help"), notFound],
  },
  {
    userId: "user_maya",
    label: "moderator maya",
    states: [visit("/todos"), todoPage, visit("/review"), shortcutHelp, visit("/help"), notFound],
  },
  {
    userId: "user_adam",
    label: "admin adam",
    states: [
      visit("/todos"),
      bulkConfirm,
      todoPage,
      visit("/review"),
      visit("/audit"),
      visit("/audit?actor=user_nobody"),
      visit("/help"),
      notFound,
    ],
  },
];

export async function signInAs(page: Page, visitor: Visitor) {
  if (visitor.userId) await signIn(page, visitor.userId);
}
