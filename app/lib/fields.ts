import { z } from "zod";

/** An untouched input posts "": for an optional field that means "not given", not "invalid". */
export const emptyToUndefined = (value: unknown) => (value === "" ? undefined : value);

/** Up to 15 digits, so every id the pattern admits is a safe JavaScript integer. */
const POSITIVE_ID = /^[1-9][0-9]{0,14}$/;

/** A row's id as text: a positive whole number, read as a number. */
export const positiveId = (message: string) =>
  z.string().regex(POSITIVE_ID, message).transform(Number);

/** A person's id as the identity provider issues it (`user_…`): what owner and actor fields take. */
export const USER_ID_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;
