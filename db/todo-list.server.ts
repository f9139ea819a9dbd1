import { sql, type SQL } from "drizzle-orm";
import { joinPerson, personName } from "./directory/people.server";
import { isBackwards, keysetPage, type KeysetPage } from "./keyset";
import { latestReviewOf, unreviewed } from "./latest-review.server";
import type { ReviewReason, ReviewVerdict, Sort, TodoStatus, VerdictFilter } from "./limits";
import type { ScopedTx } from "./scoped.server";
import { modifiableAmong } from "./todos.server";

/**
 * The one list query behind /todos, for every role. It has no authorization
 * predicate: RLS on `todos` and `todo_reviews` decides which rows and which
 * verdicts come back. Pages are keyset pages over (inserted_at, id), which
 * an index serves in either direction, so page 1000 costs what page 1 does.
 */

export const PAGE_SIZE = 25;

/** Position of a row in the (inserted_at, id) order; `at` is Postgres's own text form, exact to the microsecond. */
export interface Cursor {
  at: string;
  id: number;
}

export interface TodoFilter {
  owner?: string;
  status?: TodoStatus;
  verdict?: VerdictFilter;
  q?: string;
}

export interface TodoListQuery extends TodoFilter {
  sort: Sort;
  after?: Cursor;
  before?: Cursor;
  limit?: number;
}

export interface TodoListRow {
  id: number;
  userId: string;
  /** Null when the owner is a former member (see `joinPerson`). */
  ownerName: string | null;
  task: string;
  isComplete: boolean;
  insertedAt: string;
  verdict: ReviewVerdict | null;
  /** Why it is flagged; null for approvals and for flags recorded before reasons existed. */
  verdictReason: ReviewReason | null;
  verdictNote: string | null;
  reviewerId: string | null;
  reviewerName: string | null;
  reviewedAt: string | null;
}

export interface TodoPage extends KeysetPage<TodoListRow, Cursor> {
  /** The ids among `rows` the caller may change, as the UPDATE policy decides (see `modifiableAmong`). */
  modifiable: number[];
}

const escapeLike = (value: string) => value.replace(/[\\%_]/g, (match) => `\\${match}`);

/** The filter as conditions over `todos t`; shared by lists, counts and bulk actions. */
function filterConditions(filter: TodoFilter): SQL[] {
  const conditions: SQL[] = [];
  if (filter.owner) conditions.push(sql`t.user_id = ${filter.owner}`);
  if (filter.status) conditions.push(sql`t.is_complete = ${filter.status === "complete"}`);
  if (filter.q) conditions.push(sql`t.task ilike ${`%${escapeLike(filter.q)}%`}`);
  if (filter.verdict === "unreviewed") conditions.push(unreviewed(sql`t.id`));
  else if (filter.verdict)
    conditions.push(
      sql`(${latestReviewOf(sql`t.id`, sql`r.verdict`)}) = ${filter.verdict}::review_verdict`,
    );
  return conditions;
}

/** The filter as a WHERE clause over `todos t` alone, so updates and deletes can use it directly. */
export function filterWhere(filter: TodoFilter, extra: SQL[] = []): SQL {
  const conditions = [...filterConditions(filter), ...extra];
  return conditions.length ? sql`where ${sql.join(conditions, sql` and `)}` : sql``;
}

/** `todos t` with its latest review as `lr`, all nulls for a todo without one. */
export const LATEST_REVIEW_JOIN = sql`left join lateral (${latestReviewOf(sql`t.id`)}) lr on true`;

/** Owner and latest reviewer by name, joined in rather than asked for separately: one statement per page. */
export const PEOPLE_JOINS = sql`${joinPerson("owner_user", sql`t.user_id`)} ${joinPerson("reviewer_user", sql`lr.reviewer_id`)}`;

/** The columns of a `RawTodoRow`, over `todos t` and its latest review `lr` (`TODO_ROW_JOINS`). */
export const TODO_ROW_COLUMNS = sql`t.id, t.user_id, ${personName("owner_user")} as owner_name, t.task, t.is_complete, t.inserted_at::text as inserted_at,
      lr.verdict, lr.reason as verdict_reason, lr.note as verdict_note, lr.reviewer_id, ${personName("reviewer_user")} as reviewer_name, lr.created_at::text as reviewed_at`;
export const TODO_ROW_JOINS = sql`${LATEST_REVIEW_JOIN} ${PEOPLE_JOINS}`;

/** Walking back means reading the index the other way (`keysetPage` puts the page right). */
const isDescending = (query: TodoListQuery) => (query.sort === "newest") !== isBackwards(query);

export function buildListQuery(query: TodoListQuery): SQL {
  const limit = query.limit ?? PAGE_SIZE;
  const descending = isDescending(query);
  const cursor = query.after ?? query.before;
  const beyond = descending ? sql`<` : sql`>`;
  const where = filterWhere(
    query,
    cursor
      ? [sql`(t.inserted_at, t.id) ${beyond} (${cursor.at}::timestamptz, ${cursor.id}::bigint)`]
      : [],
  );
  const direction = descending ? sql.raw("desc") : sql.raw("asc");
  return sql`select ${TODO_ROW_COLUMNS}
    from todos t
    ${TODO_ROW_JOINS}
    ${where}
    order by t.inserted_at ${direction}, t.id ${direction}
    limit ${limit + 1}`;
}

/** A todo row with its latest verdict, as the list queries select it. */
export type RawTodoRow = {
  id: string;
  user_id: string;
  owner_name: string | null;
  task: string;
  is_complete: boolean;
  inserted_at: string;
  verdict: ReviewVerdict | null;
  verdict_reason: ReviewReason | null;
  verdict_note: string | null;
  reviewer_id: string | null;
  reviewer_name: string | null;
  reviewed_at: string | null;
};

export const toTodoRow = (row: RawTodoRow): TodoListRow => ({
  id: Number(row.id),
  userId: row.user_id,
  ownerName: row.owner_name,
  task: row.task,
  isComplete: row.is_complete,
  insertedAt: row.inserted_at,
  verdict: row.verdict,
  verdictReason: row.verdict_reason,
  verdictNote: row.verdict_note,
  reviewerId: row.reviewer_id,
  reviewerName: row.reviewer_name,
  reviewedAt: row.reviewed_at,
});

/**
 * A page and which of its rows the caller may change, in one statement: the
 * locking read of `modifiableAmong` runs over the page's own rows.
 */
function buildPageQuery(query: TodoListQuery): SQL {
  const direction = isDescending(query) ? sql.raw("desc") : sql.raw("asc");
  return sql`with page as (${buildListQuery(query)}),
      modifiable as (${modifiableAmong(sql`array(select id from page)`)})
    select page.*, page.id in (select id from modifiable) as modifiable
    from page
    order by page.inserted_at::timestamptz ${direction}, page.id ${direction}`;
}

const cursorOf = (row: RawTodoRow): Cursor => ({ at: row.inserted_at, id: Number(row.id) });

export async function listTodoPage(tx: ScopedTx, query: TodoListQuery): Promise<TodoPage> {
  const { rows } = await tx.execute<RawTodoRow & { modifiable: boolean }>(buildPageQuery(query));
  const page = keysetPage(rows, query.limit ?? PAGE_SIZE, query, cursorOf);
  return {
    ...page,
    rows: page.rows.map(toTodoRow),
    modifiable: page.rows.filter((row) => row.modifiable).map((row) => Number(row.id)),
  };
}

/** One chunk of an export: `limit` rows in the list's order after `query.after`, without the page's locking read. */
export async function listTodoChunk(
  tx: ScopedTx,
  query: TodoListQuery & { limit: number },
): Promise<{ rows: TodoListRow[]; next: Cursor | null }> {
  const { rows } = await tx.execute<RawTodoRow>(buildListQuery({ ...query, before: undefined }));
  const chunk = keysetPage(rows, query.limit, { after: query.after }, cursorOf);
  return { rows: chunk.rows.map(toTodoRow), next: chunk.next };
}

/** How many rows the filter matches, counting no further than `cap + 1` (enough to say "more than cap"). */
export async function countMatching(
  tx: ScopedTx,
  filter: TodoFilter,
  cap: number,
): Promise<number> {
  const { rows } = await tx.execute<{ n: string }>(
    sql`select count(*) as n from (select 1 from todos t ${filterWhere(filter)} limit ${cap + 1}) matching`,
  );
  return Number(rows[0].n);
}
