import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Identity } from "../roles/identity";
import type { ClerkOrgRole } from "../roles/roles";
import { closeRolePools } from "./pools.server";
import { rawAs } from "./testing/raw-sql";
import { freshUserId, identityFor, ownerPool } from "./testing/identities";

/**
 * local_sessions: each request role sees and changes only the session of
 * its own token (`sid` and `sub`), may only end a live one, and can never
 * revive, extend, forge or delete one. Tried in raw SQL with no WHERE and no
 * RETURNING, and checked behind RLS's back.
 */

const owner = ownerPool();
const userIds: string[] = [];

afterAll(async () => {
  await owner.query("delete from local_sessions where user_id = any($1::text[])", [userIds]);
  await owner.end();
  await closeRolePools();
});

const sessionRows = async (ids: string[]) =>
  (
    await owner.query(
      "select id, user_id, ended_at is not null as ended, expires_at < now() + interval '1 day' as short from local_sessions where id = any($1::text[]) order by id",
      [ids],
    )
  ).rows;

describe.each(["org:member", "org:moderator", "org:admin"] as const)(
  "as %s",
  (orgRole: ClerkOrgRole) => {
    let me: Identity;
    let mySid: string;
    let strangerSid: string;

    beforeAll(async () => {
      const userId = freshUserId("session");
      const stranger = freshUserId("stranger");
      userIds.push(userId, stranger);
      me = identityFor(userId, orgRole);
      mySid = me.claims.sid as string;
      strangerSid = `sess_${randomUUID()}`;
      await owner.query(
        "insert into local_sessions (id, user_id, expires_at) values ($1, $2, now() + interval '1 hour')",
        [strangerSid, stranger],
      );
    });

    it("starts its own session, and only that one", async () => {
      await expect(
        rawAs(
          me,
          "insert into local_sessions (id, expires_at) values ($1, now() + interval '1 hour')",
          [`sess_${randomUUID()}`],
        ),
      ).rejects.toMatchObject({ code: "42501" });
      await expect(
        rawAs(
          me,
          "insert into local_sessions (id, user_id, expires_at) values ($1, $2, now() + interval '1 hour')",
          [mySid, "user_someone_else"],
        ),
      ).rejects.toMatchObject({
        code: "42501",
      });
      await expect(
        rawAs(
          me,
          "insert into local_sessions (id, expires_at, ended_at) values ($1, now() + interval '1 hour', now())",
          [mySid],
        ),
      ).rejects.toMatchObject({ code: "42501" });
      await rawAs(
        me,
        "insert into local_sessions (id, expires_at) values ($1, now() + interval '1 hour')",
        [mySid],
      );
      expect(await sessionRows([mySid])).toEqual([
        { id: mySid, user_id: me.userId, ended: false, short: true },
      ]);
    });

    it("sees only its own session, even with no WHERE", async () => {
      const { rows } = await rawAs(me, "select id from local_sessions");
      expect(rows).toEqual([{ id: mySid }]);
    });

    it("cannot extend its session without ending it", async () => {
      await expect(
        rawAs(me, "update local_sessions set expires_at = now() + interval '10 years'"),
      ).rejects.toMatchObject({ code: "42501" });
      expect(await sessionRows([mySid])).toEqual([
        { id: mySid, user_id: me.userId, ended: false, short: true },
      ]);
    });

    it("cannot delete a session, its own or anyone's", async () => {
      expect((await rawAs(me, "delete from local_sessions")).rowCount).toBe(0);
      expect(await sessionRows([mySid, strangerSid])).toHaveLength(2);
    });

    it("ends only its own session, even with no WHERE", async () => {
      expect((await rawAs(me, "update local_sessions set ended_at = now()")).rowCount).toBe(1);
      const [mine, theirs] = await Promise.all([sessionRows([mySid]), sessionRows([strangerSid])]);
      expect(mine[0].ended).toBe(true);
      expect(theirs[0].ended).toBe(false);
    });

    it("cannot revive an ended session, by update or by inserting it again", async () => {
      expect((await rawAs(me, "update local_sessions set ended_at = null")).rowCount).toBe(0);
      await expect(
        rawAs(
          me,
          "insert into local_sessions (id, expires_at) values ($1, now() + interval '1 hour')",
          [mySid],
        ),
      ).rejects.toMatchObject({ code: expect.stringMatching(/^(23505|42501)$/) });
      expect((await sessionRows([mySid]))[0].ended).toBe(true);
    });

    it("cannot end someone else's session by naming it", async () => {
      const stranger = identityFor(me.userId, orgRole);
      expect(
        (
          await rawAs(stranger, "update local_sessions set ended_at = now() where id = $1", [
            strangerSid,
          ])
        ).rowCount,
      ).toBe(0);
      expect((await sessionRows([strangerSid]))[0].ended).toBe(false);
    });
  },
);
