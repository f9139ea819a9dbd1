import { z } from "zod";
import { positiveId } from "../lib/fields";
import { todoId } from "./intents.server";

/**
 * /todos/:id?before=<entry id>: the todo (the path's `id`, read as a field)
 * and which page of its timeline. Anything malformed is a 400.
 */
export const timelineParams = z.object({
  id: todoId,
  before: positiveId("That page link is broken. Start again from the newest entries.").optional(),
});
