import { sql, type SQL } from "drizzle-orm";

/**
 * A todo's current verdict is its latest review: the newest by `created_at`,
 * `id` breaking ties. Every query that needs it builds it here. RLS on
 * `todo_reviews` decides which reviews count, so each caller gets the latest
 * verdict they may read.
 */

const NEWEST_FIRST = sql`r.created_at desc, r.id desc`;

/** What a todo row shows of its latest review, as `r`. */
const REVIEW_COLUMNS = sql`r.verdict, r.reason, r.note, r.reviewer_id, r.created_at`;

/** The latest review of the todo `todoId` names: one probe of the reviews index per todo, for a list of todos. */
export const latestReviewOf = (todoId: SQL, columns: SQL = REVIEW_COLUMNS): SQL =>
  sql`select ${columns} from todo_reviews r where r.todo_id = ${todoId} order by ${NEWEST_FIRST} limit 1`;

/**
 * The latest review of every todo that has one, keyed by `todo_id`: one
 * pass over the reviews, for counts and for lists chosen by verdict, where
 * the reviews are fewer than the todos.
 */
export const latestReviews = (columns: SQL = REVIEW_COLUMNS): SQL =>
  sql`select distinct on (r.todo_id) r.todo_id, ${columns} from todo_reviews r order by r.todo_id, ${NEWEST_FIRST}`;

/** The todo `todoId` names has no review at all. */
export const unreviewed = (todoId: SQL): SQL =>
  sql`not exists (select 1 from todo_reviews r where r.todo_id = ${todoId})`;
