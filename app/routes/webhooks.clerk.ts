import type { ActionFunctionArgs } from "@remix-run/node";
import { handleClerkWebhook } from "../webhooks/clerk-webhook.server";

/** Clerk's webhook: authenticated by its Svix signature, not by a session, so no cookie or origin counts here. */
export const action = ({ request }: ActionFunctionArgs) => handleClerkWebhook(request);
export const loader = ({ request }: ActionFunctionArgs) => handleClerkWebhook(request);
