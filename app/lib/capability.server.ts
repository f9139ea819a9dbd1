import { capabilitiesOf, type Capabilities } from "../../roles/capabilities";
import type { Identity } from "../auth/token.server";
import { jsonResponse } from "./responses.server";

const MESSAGES: Record<keyof Capabilities, string> = {
  browseAll: "Only moderators and admins can browse everyone's todos.",
  review: "Only moderators and admins can review todos.",
  escalate: "Only moderators escalate todos; admins resolve them.",
  resolveEscalations: "Only admins can resolve escalations.",
  bulkEdit: "Only admins can edit todos in bulk.",
  readAudit: "Only admins can read the audit log.",
};

/** The doorman's 403. The database refuses the same thing on its own; this only says so early and clearly. */
export function requireCapability(identity: Identity, capability: keyof Capabilities) {
  if (!capabilitiesOf(identity.backendRole)[capability])
    throw jsonResponse({ message: MESSAGES[capability] }, { status: 403 });
}
