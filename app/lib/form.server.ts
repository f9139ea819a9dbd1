import { data } from "@remix-run/node";
import type { z } from "zod";

/**
 * One way to read a form or a query string: against a zod schema that is the
 * contract, taking the first value of each field (a repeated field counts only
 * once unless the contract says it repeats), and answering the first thing
 * wrong with its message and the field it belongs to.
 */

type Input = FormData | URLSearchParams;

export interface FieldError {
  error: string;
  /** The field the message belongs beside; none when it is about the form as a whole. */
  field?: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** The first string value of each field; files and repeats are ignored. */
export function firstStringValues(input: Input): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of input.entries()) {
    if (typeof value === "string" && !Object.hasOwn(values, key)) values[key] = value;
  }
  return values;
}

export interface ReadOptions {
  /** Fields read as every value posted, in order (the bulk form's selected `id`s). */
  repeated?: readonly string[];
}

function check<S extends z.ZodType>(
  schema: S,
  input: Input,
  { repeated = [] }: ReadOptions = {},
): { ok: true; value: z.output<S> } | { ok: false; issue: FieldError } {
  const values: Record<string, string | string[]> = firstStringValues(input);
  for (const key of repeated)
    values[key] = input.getAll(key).filter((value) => typeof value === "string");
  const result = schema.safeParse(values);
  if (result.success) return { ok: true, value: result.data };
  const [first] = result.error.issues;
  return { ok: false, issue: { error: first.message, field: first.path[0]?.toString() } };
}

/** Fields whose message shows on its own, not beside a field: a query string, or a form read with other input. */
export function parseFields<S extends z.ZodType>(
  schema: S,
  input: Input,
  options?: ReadOptions,
): Parsed<z.output<S>> {
  const checked = check(schema, input, options);
  return checked.ok ? checked : { ok: false, error: checked.issue.error };
}

/**
 * An action's form: its value, or the 400 reply the page shows beside the
 * field. `reply` is given the raw fields too, so it can name the row the
 * message belongs to even when that row's own fields were the trouble.
 */
export function parseForm<S extends z.ZodType, Reply>(
  schema: S,
  form: FormData,
  reply: (error: FieldError, fields: Record<string, string>) => Reply,
  options?: ReadOptions,
): { ok: true; value: z.output<S> } | { ok: false; response: ReturnType<typeof data<Reply>> } {
  const checked = check(schema, form, options);
  if (checked.ok) return checked;
  return {
    ok: false,
    response: data(reply(checked.issue, firstStringValues(form)), { status: 400 }),
  };
}

/** A loader's query string: its value, or a 400 page with the message. */
export function requireQuery<S extends z.ZodType>(schema: S, search: URLSearchParams): z.output<S> {
  const parsed = parseFields(schema, search);
  if (!parsed.ok) throw data({ message: parsed.error }, { status: 400 });
  return parsed.value;
}
