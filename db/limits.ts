/**
 * Limits and enumerations shared by the schema, the validators and the UI.
 * Every enumeration is written here once and the schema's enums are built
 * from these lists: the browser needs them too, and importing the schema
 * would ship drizzle and every policy to it, so this file has no imports.
 */
export const TASK_MAX_LENGTH = 500;
export const REVIEW_NOTE_MAX_LENGTH = 1000;
export const REVIEW_VERDICTS = ["approved", "flagged"] as const;
export type ReviewVerdict = (typeof REVIEW_VERDICTS)[number];
/** Why a todo is flagged or escalated. A flag needs one; an approval takes none. */
export const REVIEW_REASONS = ["spam", "abuse", "off-topic", "duplicate", "other"] as const;
export type ReviewReason = (typeof REVIEW_REASONS)[number];
/** What an audit entry records (the `audit.audit_action` enum). */
export const AUDIT_ACTIONS = ["insert", "update", "delete"] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export const TODO_STATUSES = ["open", "complete"] as const;
export type TodoStatus = (typeof TODO_STATUSES)[number];
/** The list's filter on the latest verdict: one of them, or none yet. */
export const VERDICT_FILTERS = ["unreviewed", ...REVIEW_VERDICTS] as const;
export type VerdictFilter = (typeof VERDICT_FILTERS)[number];
export const SORTS = ["newest", "oldest"] as const;
export type Sort = (typeof SORTS)[number];
/** How long a claim on a queue item lasts unless WARDEN_CLAIM_MINUTES says otherwise; the database refuses claims longer than the maximum. */
export const CLAIM_MINUTES_DEFAULT = 15;
export const CLAIM_MINUTES_MAX = 1440;
export const BULK_LIMIT = 50_000;
/** Lists count their matches no further than this: "more than 1,000" costs the same at a thousand rows as at a million. */
export const COUNT_CAP = 1_000;
export const BULK_ACTIONS = ["complete", "reopen", "reassign", "delete"] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];
