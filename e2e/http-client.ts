// Remix's own decoder for single-fetch answers, from its module: the package exports only the browser's use of it. The version is pinned.
import { decodeViaTurboStream } from "@remix-run/react/dist/single-fetch.js";
import { DEMO_IDENTITIES, type DemoIdentity } from "../db/demo-identities";
import { callerOf, type Caller, type ModelIdentity } from "../db/model/permissions";
import { backendRoleForClaims } from "../roles/roles";
import type { AuditRow } from "../db/audit.server";
import type { TodoListRow } from "../db/todo-list.server";

/**
 * A tiny HTTP client with a cookie jar, for driving the app the way a
 * browser's forms would without a browser: many sessions at once from one
 * process (the model test, the soak). Shared by e2e/model-http.spec.ts and
 * bench/soak.ts, so it imports nothing from Playwright.
 */

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

/** Form fields; an array is sent as the same name repeated, as checkboxes are. */
export type FormFields = Record<string, string | readonly string[]>;

export class HttpClient {
  private readonly cookies = new Map<string, string>();

  constructor(readonly origin: string) {}

  get(path: string): Promise<Answer> {
    return this.send("GET", path);
  }

  /** A form post carrying the app's own Origin, as the app's pages send it. */
  post(path: string, fields: FormFields): Promise<Answer> {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(fields))
      for (const item of typeof value === "string" ? [value] : value) body.append(name, item);
    return this.send("POST", path, body);
  }

  private async send(
    method: "GET" | "POST",
    path: string,
    body?: URLSearchParams,
  ): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (this.cookies.size > 0)
      headers.Cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    if (method === "POST") headers.Origin = this.origin;
    // Redirects are answers to check (303 after a write), not something to follow.
    const response = await fetch(new URL(path, this.origin), {
      method,
      headers,
      body,
      redirect: "manual",
    });
    const text = await response.text();
    for (const line of response.headers.getSetCookie()) this.store(line);
    return { status: response.status, headers: response.headers, text };
  }

  private store(line: string) {
    const [pair, ...attributes] = line.split(";");
    const separator = pair.indexOf("=");
    const name = pair.slice(0, separator).trim();
    const value = pair.slice(separator + 1).trim();
    const expired = attributes.some((attribute) => {
      const [key, setting = ""] = attribute.trim().split("=");
      if (key.toLowerCase() === "max-age") return Number(setting) <= 0;
      if (key.toLowerCase() === "expires") return Date.parse(setting) <= Date.now();
      return false;
    });
    if (expired || value === "") this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}

/**
 * The single-fetch form of a path, as the app's pages ask for data
 * (`/todos.data`): the same action, or `routeId`'s loader alone, answered as
 * turbo-stream. The query string is kept byte for byte.
 */
export function dataPath(path: string, routeId: string): string {
  const at = path.indexOf("?");
  const [pathname, search] = at === -1 ? [path, ""] : [path.slice(0, at), path.slice(at + 1)];
  const data = pathname === "/" ? "/_root.data" : `${pathname}.data`;
  return `${data}?${search ? `${search}&` : ""}_routes=${encodeURIComponent(routeId)}`;
}

/** A single-fetch answer decoded: a loader's is `{ [routeId]: { data } | { error } }`, an action's redirect `{ redirect, status }`. */
export async function decodeData(text: string): Promise<unknown> {
  return (await decodeViaTurboStream(new Response(text).body!, globalThis)).value;
}

/** What one route's loader answered, as its page's `useLoaderData` gets it. */
export async function routeData<T>(answer: Answer, routeId: string): Promise<T> {
  const result = ((await decodeData(answer.text)) as Record<string, { data?: T }>)[routeId];
  if (!result || !("data" in result))
    throw new Error(`no data for ${routeId} in ${answer.status}: ${answer.text.slice(0, 200)}`);
  return result.data as T;
}

/**
 * One demo identity with one of its organizations active, or its personal
 * workspace (`org: null`), and the caller the policies see for it: the
 * claims a session token carries there, the Postgres role they map to.
 */
export interface Workspace {
  label: string;
  identity: DemoIdentity;
  org: string | null;
  model: ModelIdentity;
  caller: Caller;
}

export function workspaceOf(identity: DemoIdentity, org: string | null): Workspace {
  const membership = identity.memberships.find((candidate) => candidate.orgId === org);
  if (org !== null && !membership) throw new Error(`${identity.userId} is not a member of ${org}`);
  const claims = membership
    ? { sub: identity.userId, v: 2, o: { id: org, rol: membership.role.replace(/^org:/, "") } }
    : { sub: identity.userId, v: 2 };
  const label = `${identity.userId}@${org ?? "personal"}`;
  const model: ModelIdentity = { label, role: backendRoleForClaims(claims), claims };
  return { label, identity, org, model, caller: callerOf(model) };
}

/** Every demo identity in each of its organizations, then its personal workspace. */
export function demoWorkspaces(identities: readonly DemoIdentity[] = DEMO_IDENTITIES): Workspace[] {
  return identities.flatMap((identity) => [
    ...identity.memberships.map((membership) => workspaceOf(identity, membership.orgId)),
    workspaceOf(identity, null),
  ]);
}

/**
 * A fresh session in that workspace: sign in as the identity, then switch to
 * the organization (or the personal account) with the header's switcher
 * form. Anything but the two redirects is an error.
 */
export async function openWorkspace(origin: string, workspace: Workspace): Promise<HttpClient> {
  const client = new HttpClient(origin);
  const signIn = await client.post("/sign-in", { identity: workspace.identity.userId });
  if (signIn.status !== 302)
    throw new Error(
      `sign in as ${workspace.identity.userId}: ${signIn.status} ${signIn.text.slice(0, 200)}`,
    );
  await switchWorkspace(client, workspace);
  return client;
}

/** The header's switcher: the session's next requests run as that workspace. */
export async function switchWorkspace(client: HttpClient, workspace: Workspace): Promise<Answer> {
  const answer = await client.post("/switch", {
    identity: workspace.identity.userId,
    org: workspace.org ?? "",
    returnTo: "/todos",
  });
  if (answer.status !== 303)
    throw new Error(`switch to ${workspace.label}: ${answer.status} ${answer.text.slice(0, 200)}`);
  return answer;
}

/** A todo as /todos and /review show it: the list row as it crosses the wire. */
export type ListedTodo = TodoListRow;

export interface TodosData {
  matching: number;
  countCap: number;
  userId: string;
  databaseRole: string;
  todos: ListedTodo[];
  modifiable: number[];
  members: { id: string; name: string; role: string | null }[];
  links: { first: string; next: string | null; previous: string | null };
}

export type QueueItemData = ListedTodo & { claim: unknown };

export interface QueueData {
  counts: { unreviewed: number; approved: number; flagged: number; escalated: number };
  unreviewed: QueueItemData[];
  flagged: QueueItemData[];
}

/** An audit entry as /audit shows it. */
export type AuditEntryData = AuditRow;

export interface AuditData {
  entries: AuditEntryData[];
  links: { first: string; next: string | null; previous: string | null };
}
