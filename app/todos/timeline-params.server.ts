import { z } from "zod";
import { todoId } from "./intents.server";

/** /todos/:id?before=<entry id>: the todo, and which page of its timeline. Anything malformed is a 400. */

const entryId = z
  .string()
  .regex(/^[1-9][0-9]{0,14}$/, "That page link is broken. Start again from the newest entries.")
  .transform(Number);

const timelineParams = z.object({ id: todoId, before: entryId.optional() });

export type TimelineParams = z.infer<typeof timelineParams>;

export function parseTimelineParams(
  id: string | undefined,
  search: URLSearchParams,
): { ok: true; value: TimelineParams } | { ok: false; error: string } {
  const result = timelineParams.safeParse({ id, before: search.get("before") ?? undefined });
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, error: result.error.issues[0].message };
}
