/** Limits and enumerations shared by the schema, the validators and the UI (no dependencies, safe in the browser). */
export const TASK_MAX_LENGTH = 500;
export const REVIEW_NOTE_MAX_LENGTH = 1000;
export const REVIEW_VERDICTS = ["approved", "flagged"] as const;
export type ReviewVerdict = (typeof REVIEW_VERDICTS)[number];
/** Why a todo is flagged or escalated. A flag needs one; an approval takes none. */
export const REVIEW_REASONS = ["spam", "abuse", "off-topic", "duplicate", "other"] as const;
export type ReviewReason = (typeof REVIEW_REASONS)[number];
/** How long a claim on a queue item lasts unless WARDEN_CLAIM_MINUTES says otherwise; the database refuses claims longer than the maximum. */
export const CLAIM_MINUTES_DEFAULT = 15;
export const CLAIM_MINUTES_MAX = 1440;
export const BULK_LIMIT = 50_000;
/** Lists count their matches no further than this: "more than 1,000" costs the same at a thousand rows as at a million. */
export const COUNT_CAP = 1_000;
export const BULK_ACTIONS = ["complete", "reopen", "reassign", "delete"] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];
