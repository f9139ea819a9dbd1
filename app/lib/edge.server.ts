import { hasControlCharacter } from "../../db/control-characters";
import { jsonResponse } from "./responses.server";
import { appOrigin } from "./security-headers.server";

/**
 * The edge every request crosses before anything reads its input: only the
 * app's own pages may change state, and every body and query string is
 * bounded, well-formed UTF-8 text without control characters. Each refusal is
 * a 4xx with a readable message; nothing here touches the database.
 */

export const FORM_MAX_BYTES = 64 * 1024;
/** A bulk action may carry up to 50,000 selected ids. */
export const BULK_FORM_MAX_BYTES = 1024 * 1024;

const FORM_TYPES = new Set(["application/x-www-form-urlencoded", "multipart/form-data"]);

const refuse = (status: number, message: string, headers?: HeadersInit) =>
  jsonResponse({ message }, { status, headers });

export const FORGED_MESSAGE =
  "This request did not come from Warden's own pages, so nothing was changed. Reload the page and try again.";

/**
 * The one rule for state-changing requests: `Origin` must name the app's
 * origin exactly (a missing or `null` Origin is refused), and a browser's
 * `Sec-Fetch-Site`, when sent, must say `same-origin`. The app server applies
 * it before Remix sees a request; every action applies it again.
 */
export function isSameOriginMutation(
  headers: { get(name: string): string | null | undefined },
  ownOrigin: string | null,
): boolean {
  const fetchSite = headers.get("Sec-Fetch-Site") ?? null;
  return (
    ownOrigin !== null &&
    (fetchSite === null || fetchSite === "same-origin") &&
    headers.get("Origin") === ownOrigin
  );
}

/** A state-changing request must be a POST from the app's own origin, document posts and single-fetch (`.data`) posts alike. */
export function requireMutation(request: Request) {
  if (request.method !== "POST")
    throw refuse(405, `${request.method} is not supported here; forms are sent with POST.`, {
      Allow: "POST",
    });
  if (!isSameOriginMutation(request.headers, appOrigin(request))) throw refuse(403, FORGED_MESSAGE);
}

function mediaType(request: Request): string | null {
  const header = request.headers.get("Content-Type");
  return header ? header.split(";")[0].trim().toLowerCase() : null;
}

/** The body, refused with a 413 as soon as it passes `maxBytes` (declared or streamed). */
export async function readCapped(
  request: Request,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  // The rest of the body stays unread, so the connection cannot carry another request.
  const tooLarge = () =>
    refuse(
      413,
      `The form is too large (the limit is ${Math.round(maxBytes / 1024)} KB). Nothing was changed.`,
      { Connection: "close" },
    );
  const declared = Number(request.headers.get("Content-Length"));
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await reader.read();
    } catch {
      throw refuse(400, "The form did not arrive whole. Please try again.");
    }
    if (next.done) break;
    total += next.value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(next.value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Refuses invalid UTF-8 instead of replacing it with U+FFFD. */
export const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** `application/x-www-form-urlencoded` decoding that refuses what URLSearchParams would silently replace. */
export function parseUrlEncoded(text: string, what: string): [string, string][] {
  const decode = (part: string): string => {
    const bytes: number[] = [];
    const plain = part.replaceAll("+", " ");
    for (let i = 0; i < plain.length; i++) {
      const char = plain[i];
      if (char === "%") {
        const hex = plain.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw refuse(400, `The ${what} has a broken %-escape.`);
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else {
        bytes.push(...Buffer.from(char, "utf8"));
      }
    }
    let value: string;
    try {
      value = strictUtf8.decode(new Uint8Array(bytes));
    } catch {
      throw refuse(400, `The ${what} is not valid UTF-8 text.`);
    }
    if (hasControlCharacter(value))
      throw refuse(
        400,
        `The ${what} contains a control character (such as NUL), which no field accepts.`,
      );
    return value;
  };
  return text
    .split("&")
    .filter((pair) => pair !== "")
    .map((pair) => {
      const at = pair.indexOf("=");
      return at === -1
        ? [decode(pair), ""]
        : [decode(pair.slice(0, at)), decode(pair.slice(at + 1))];
    });
}

/**
 * The form of a POST, read after the caller's identity and capability are
 * known: size-capped before parsing (413), a form content type (415), and
 * well-formed text (400).
 */
export async function readForm(
  request: Request,
  options: { maxBytes?: number } = {},
): Promise<FormData> {
  const maxBytes = options.maxBytes ?? FORM_MAX_BYTES;
  const type = mediaType(request);
  const bytes = await readCapped(request, maxBytes);
  const form = new FormData();
  if (bytes.byteLength === 0 && (type === null || FORM_TYPES.has(type))) return form;
  if (type === null || !FORM_TYPES.has(type)) {
    throw refuse(415, "Send the form as application/x-www-form-urlencoded or multipart/form-data.");
  }
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw refuse(400, "The form is not valid UTF-8 text.");
  }
  if (type === "application/x-www-form-urlencoded") {
    for (const [key, value] of parseUrlEncoded(text, "form")) form.append(key, value);
    return form;
  }
  let parsed: FormData;
  try {
    parsed = await new Response(bytes, {
      headers: { "Content-Type": request.headers.get("Content-Type")! },
    }).formData();
  } catch {
    throw refuse(400, "The form could not be read: its multipart body is broken.");
  }
  for (const [key, value] of parsed.entries()) {
    if (typeof value !== "string") continue;
    if (hasControlCharacter(key) || hasControlCharacter(value))
      throw refuse(
        400,
        "The form contains a control character (such as NUL), which no field accepts.",
      );
    form.append(key, value);
  }
  return form;
}

/** The query string, held to the same rules as a form. */
export function readSearch(request: Request): URLSearchParams {
  const search = new URL(request.url).search.slice(1);
  return new URLSearchParams(parseUrlEncoded(search, "address"));
}
