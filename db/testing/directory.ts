import { randomUUID } from "node:crypto";
import type { Pool } from "@neondatabase/serverless";
import { applyDirectoryChanges } from "../directory/apply.server";
import type { DirectoryChange } from "../directory/changes";
import { freshUserId } from "./identities";

/** A fresh organization id per test, so files never see each other's directory rows. */
export const freshOrgId = (label: string) => `org_${label}_${randomUUID().slice(0, 8)}`;

/** Versions newer than anything written so far in this process, so arranged rows always take. */
let lastVersion = Date.now();
export const nextVersion = () => (lastVersion = Math.max(lastVersion + 1, Date.now()));

export interface Person {
  userId: string;
  name?: string;
  email?: string;
  role?: string;
}

/**
 * Puts people into an organization's directory the way the webhook does
 * (through the directory's writer): the organization, each person, and
 * their membership.
 */
export async function addMembers(orgId: string, people: readonly Person[], orgName = orgId) {
  const changes: DirectoryChange[] = [
    {
      kind: "organization",
      id: orgId,
      version: nextVersion(),
      deleted: false,
      name: orgName,
      slug: orgId,
    },
  ];
  for (const person of people) {
    changes.push(
      {
        kind: "user",
        id: person.userId,
        version: nextVersion(),
        deleted: false,
        displayName: person.name ?? person.userId,
        email: person.email ?? `${person.userId}@example.com`,
        imageUrl: null,
      },
      {
        kind: "membership",
        organizationId: orgId,
        userId: person.userId,
        version: nextVersion(),
        deleted: false,
        role: person.role ?? "org:member",
      },
    );
  }
  await applyDirectoryChanges(changes);
}

/** Ends a membership, as `organizationMembership.deleted` does. */
export async function removeMember(orgId: string, userId: string) {
  await applyDirectoryChanges([
    {
      kind: "membership",
      organizationId: orgId,
      userId,
      version: nextVersion(),
      deleted: true,
      role: null,
    },
  ]);
}

/** Deletes a person, as `user.deleted` does. */
export const deleteUser = (userId: string) =>
  applyDirectoryChanges([{ kind: "user", id: userId, version: nextVersion(), deleted: true }]);

/**
 * Fresh organizations and people for one test file, remembered so that
 * `cleanUp` removes them, with their todos and audit entries, at the end.
 */
export function directoryFixtures() {
  const orgs: string[] = [];
  const users: string[] = [];
  return {
    orgs,
    users,
    org(label: string) {
      const id = freshOrgId(label);
      orgs.push(id);
      return id;
    },
    user(label: string) {
      const id = freshUserId(label);
      users.push(id);
      return id;
    },
    async cleanUp(owner: Pool) {
      // Todos and the queue's rows first: deleting them writes audit entries, which go next.
      await owner.query("delete from todos where tenant_id = any($1::text[])", [orgs]);
      await owner.query("delete from todo_claims where tenant_id = any($1::text[])", [orgs]);
      await owner.query("delete from todo_escalations where tenant_id = any($1::text[])", [orgs]);
      await owner.query("delete from audit.audit_log where tenant_id = any($1::text[])", [orgs]);
      await owner.query("delete from audit.transactions where tenant_id = any($1::text[])", [orgs]);
      await owner.query(
        "delete from directory.memberships where organization_id = any($1::text[]) or user_id = any($2::text[])",
        [orgs, users],
      );
      await owner.query("delete from directory.users where id = any($1::text[])", [users]);
      await owner.query("delete from directory.organizations where id = any($1::text[])", [orgs]);
    },
  };
}
