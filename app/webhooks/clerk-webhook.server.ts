import { Webhook, WebhookVerificationError } from "svix";
import { applyWebhookMessage } from "../../db/directory/apply.server";
import { changesFromEvent, InvalidDirectoryObject } from "../../db/directory/changes";
import { localWebhookSecret } from "../../db/local/webhook-secret";
import { authMode, config } from "../config.server";
import { readCapped, strictUtf8 } from "../lib/edge.server";
import { jsonResponse } from "../lib/responses.server";
import { isDatabaseUnavailable } from "../../db/availability";

/**
 * Clerk's webhook (`POST /webhooks/clerk`): Svix-signed events that keep the
 * directory in step. Nothing is read from the body before the signature and
 * its timestamp (at most five minutes off) check out; a message id already
 * applied is not applied again. Event types the directory does not use are
 * answered 200, so Clerk does not retry them.
 */

/** Clerk's payloads are a few kilobytes; a user with many addresses stays far below this. */
const WEBHOOK_MAX_BYTES = 256 * 1024;
const MESSAGE_ID = /^[A-Za-z0-9_.-]{1,200}$/;

const answer = (status: number, body: Record<string, string>) =>
  jsonResponse(body, { status, headers: { "Cache-Control": "no-store" } });
const refused = (message: string) => answer(400, { message: `${message} Nothing was changed.` });

let localSecret: { dataDir: string; secret: Promise<string> } | undefined;

/** The secret to verify with: configured, else (embedded default, local sign-in) the local test secret, read once. */
async function signingSecret(): Promise<string | null> {
  const { webhookSecret, mode, dataDir } = config();
  if (webhookSecret) return webhookSecret;
  if (mode !== "embedded" || authMode() !== "local") return null;
  if (localSecret?.dataDir !== dataDir)
    localSecret = { dataDir, secret: localWebhookSecret(dataDir) };
  return localSecret.secret;
}

export async function handleClerkWebhook(request: Request): Promise<Response> {
  if (request.method !== "POST")
    return jsonResponse(
      { message: "Clerk's webhook is sent with POST." },
      { status: 405, headers: { Allow: "POST" } },
    );
  const secret = await signingSecret();
  if (!secret || !config().directoryWriter) {
    return answer(503, {
      message:
        "The Clerk webhook is not set up here: set CLERK_WEBHOOK_SIGNING_SECRET and DATABASE_DIRECTORY_URL (see the README).",
    });
  }
  const body = await readCapped(request, WEBHOOK_MAX_BYTES);
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    return refused("The webhook body is not valid UTF-8.");
  }
  const messageId = request.headers.get("svix-id") ?? "";
  const headers = {
    "svix-id": messageId,
    "svix-timestamp": request.headers.get("svix-timestamp") ?? "",
    "svix-signature": request.headers.get("svix-signature") ?? "",
  };
  try {
    new Webhook(secret).verify(text, headers);
  } catch (error) {
    if (!(error instanceof WebhookVerificationError)) throw error;
    return refused(`The webhook signature did not verify (${error.message}).`);
  }
  if (!MESSAGE_ID.test(messageId)) return refused("The svix-id header is not a message id.");

  let event: ReturnType<typeof changesFromEvent>;
  try {
    event = changesFromEvent(JSON.parse(text));
  } catch (error) {
    if (error instanceof SyntaxError || error instanceof InvalidDirectoryObject)
      return refused(`The event could not be read: ${error.message}.`);
    throw error;
  }
  if (!event.handled) return answer(200, { status: "ignored", type: event.type });

  try {
    const outcome = await applyWebhookMessage(messageId, event.changes);
    return answer(200, { status: outcome, type: event.type });
  } catch (error) {
    // Clerk retries anything but a 2xx, so a database that is down costs nothing but a delay.
    if (isDatabaseUnavailable(error))
      return answer(503, { message: "The database is not answering; Clerk will retry." });
    console.error(error);
    return answer(500, { message: "The event could not be applied; Clerk will retry." });
  }
}
