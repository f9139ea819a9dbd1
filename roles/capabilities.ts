import type { BackendRole } from "./roles";

/**
 * What the app offers each role: which pages open and which controls show.
 * This is the doorman, not the lock: the database refuses the same things
 * through its policies whatever the app offers, and the tests force each
 * refused action past the app to prove it.
 */
export interface Capabilities {
  /** Sees everyone's todos, so filtering by owner is meaningful. */
  browseAll: boolean;
  /** Opens /review, claims items and records verdicts. */
  review: boolean;
  /** Escalates a queue item to the organization's admins. */
  escalate: boolean;
  /** Resolves escalations. */
  resolveEscalations: boolean;
  /** Bulk actions on /todos. */
  bulkEdit: boolean;
  /** Opens /audit. */
  readAudit: boolean;
}

const CAPABILITIES: Record<BackendRole, Capabilities> = {
  authenticated_backend: {
    browseAll: false,
    review: false,
    escalate: false,
    resolveEscalations: false,
    bulkEdit: false,
    readAudit: false,
  },
  moderator_backend: {
    browseAll: true,
    review: true,
    escalate: true,
    resolveEscalations: false,
    bulkEdit: false,
    readAudit: false,
  },
  admin_backend: {
    browseAll: true,
    review: true,
    escalate: false,
    resolveEscalations: true,
    bulkEdit: true,
    readAudit: true,
  },
};

export const capabilitiesOf = (role: BackendRole): Capabilities => CAPABILITIES[role];
