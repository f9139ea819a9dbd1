import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  membershipEvent,
  signDelivery,
  userEvent,
  deletedEvent,
  type ClerkEvent,
} from "../db/directory/clerk-events";
import { localDataDir } from "../db/local/data-dir";
import { localWebhookSecret } from "../db/local/webhook-secret";

/**
 * Sends one signed Clerk webhook event to a running Warden, the way Clerk
 * does: with the local test secret of the embedded default, or
 * CLERK_WEBHOOK_SIGNING_SECRET when it is set.
 *
 *   npm run directory:send-event -- --type organizationMembership.created --org org_acme --user user_zoe --name Zoe
 *   npm run directory:send-event -- --file event.json
 *   add --tamper to change the body after signing (the webhook must answer 400 and change nothing)
 */

const USAGE = `Usage: npm run directory:send-event -- (--type TYPE --user USER_ID [--org ORG_ID --org-name NAME --role ROLE] [--name FIRST] | --file EVENT.json) [--url URL] [--tamper]
  TYPE: user.created, user.updated, user.deleted, organizationMembership.created, organizationMembership.updated, organizationMembership.deleted`;

const { values } = parseArgs({
  options: {
    type: { type: "string" },
    user: { type: "string" },
    name: { type: "string" },
    org: { type: "string", default: "org_acme" },
    "org-name": { type: "string" },
    role: { type: "string", default: "org:member" },
    file: { type: "string" },
    url: {
      type: "string",
      default: process.env.WARDEN_ORIGIN ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`,
    },
    tamper: { type: "boolean", default: false },
  },
});

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function buildEvent(): ClerkEvent {
  if (values.file) return JSON.parse(readFileSync(values.file, "utf8")) as ClerkEvent;
  if (!values.type || !values.user) fail(USAGE);
  const member = { userId: values.user, firstName: values.name, role: values.role };
  const organization = { id: values.org!, name: values["org-name"] ?? values.org! };
  switch (values.type) {
    case "user.created":
    case "user.updated":
      return userEvent(values.type, member);
    case "user.deleted":
      return deletedEvent(values.type, values.user);
    case "organizationMembership.created":
    case "organizationMembership.updated":
    case "organizationMembership.deleted":
      return membershipEvent(values.type, organization, member);
    default:
      return fail(USAGE);
  }
}

const secret =
  process.env.CLERK_WEBHOOK_SIGNING_SECRET?.trim() || (await localWebhookSecret(localDataDir()));
const delivery = signDelivery(secret, buildEvent());
const body = values.tamper ? delivery.body.replace(/"type":"/, '"type":" ') : delivery.body;
const response = await fetch(new URL("/webhooks/clerk", values.url), {
  method: "POST",
  headers: delivery.headers,
  body,
});
console.log(`${response.status} ${await response.text()}`);
process.exit(response.ok ? 0 : 1);
