import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { closeDirectoryPool } from "../../db/directory/apply.server";
import {
  deletedEvent,
  membershipEvent,
  signBody,
  signDelivery,
  userEvent,
  type ClerkEvent,
} from "../../db/directory/clerk-events";
import { localWebhookSecret } from "../../db/local/webhook-secret";
import { freshOrgId } from "../../db/testing/directory";
import { freshUserId, ownerPool } from "../../db/testing/identities";
import { config, reloadConfig } from "../config.server";
import { args, URL_BASE } from "../testing/routes";
import { action, loader } from "./webhooks.clerk";

/**
 * Clerk's webhook, called the way Clerk calls it: a Svix-signed JSON body.
 * Every refusal is checked against the whole directory, byte for byte.
 */

const owner = ownerPool();
let secret: string;

beforeAll(async () => {
  secret = await localWebhookSecret(config().dataDir);
});

afterAll(async () => {
  await owner.end();
  await closeDirectoryPool();
});

function request(delivery: { body: string; headers: Record<string, string> }): Request {
  return new Request(`${URL_BASE}/webhooks/clerk`, {
    method: "POST",
    body: delivery.body,
    headers: delivery.headers,
  });
}

async function deliver(event: unknown, options: { id?: string; at?: Date; secret?: string } = {}) {
  const response = await action(
    args(request(signDelivery(options.secret ?? secret, event, options))),
  );
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

/** The whole directory, so a refused delivery can be shown to change nothing at all. */
async function directoryState() {
  const { rows } = await owner.query(`
    select (select coalesce(json_agg(u order by id), '[]') from directory.users u) as users,
           (select coalesce(json_agg(o order by id), '[]') from directory.organizations o) as organizations,
           (select coalesce(json_agg(m order by organization_id, user_id), '[]') from directory.memberships m) as memberships,
           (select count(*) from directory.webhook_messages) as messages`);
  return rows[0];
}

async function userRow(id: string) {
  const { rows } = await owner.query(
    "select display_name, email, deleted_at is not null as deleted from directory.users where id = $1",
    [id],
  );
  return rows[0] ?? null;
}

async function membershipRow(orgId: string, userId: string) {
  const { rows } = await owner.query(
    "select role, deleted_at is not null as deleted from directory.memberships where organization_id = $1 and user_id = $2",
    [orgId, userId],
  );
  return rows[0] ?? null;
}

describe("signature", () => {
  it("a valid signature is applied", async () => {
    const userId = freshUserId("signed");
    expect(await deliver(userEvent("user.created", { userId, firstName: "Signed" }))).toEqual({
      status: 200,
      body: { status: "applied", type: "user.created" },
    });
    expect(await userRow(userId)).toEqual({
      display_name: "Signed",
      email: `${userId}@example.com`,
      deleted: false,
    });
  });

  const refusals: [string, () => Request][] = [
    [
      "a tampered body",
      () => {
        const delivery = signDelivery(
          secret,
          userEvent("user.created", { userId: freshUserId("tampered"), firstName: "Honest" }),
        );
        return request({ ...delivery, body: delivery.body.replace("Honest", "Forged") });
      },
    ],
    [
      "the wrong secret",
      () =>
        request(
          signDelivery(
            `whsec_${randomBytes(24).toString("base64")}`,
            userEvent("user.created", { userId: freshUserId("wrong") }),
          ),
        ),
    ],
    [
      "a timestamp six minutes old",
      () =>
        request(
          signDelivery(secret, userEvent("user.created", { userId: freshUserId("old") }), {
            at: new Date(Date.now() - 6 * 60_000),
          }),
        ),
    ],
    [
      "a timestamp six minutes ahead",
      () =>
        request(
          signDelivery(secret, userEvent("user.created", { userId: freshUserId("ahead") }), {
            at: new Date(Date.now() + 6 * 60_000),
          }),
        ),
    ],
    [
      "no signature headers",
      () =>
        new Request(`${URL_BASE}/webhooks/clerk`, {
          method: "POST",
          body: JSON.stringify(userEvent("user.created", { userId: freshUserId("bare") })),
          headers: { "Content-Type": "application/json" },
        }),
    ],
    [
      "a signature for another message id",
      () => {
        const delivery = signDelivery(
          secret,
          userEvent("user.created", { userId: freshUserId("moved") }),
        );
        return request({
          ...delivery,
          headers: { ...delivery.headers, "svix-id": "msg_someone_else" },
        });
      },
    ],
  ];

  it.each(refusals)("%s is refused with 400 and changes nothing", async (_name, build) => {
    const before = await directoryState();
    const response = await action(args(build()));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(
      /signature did not verify.*Nothing was changed/,
    );
    expect(await directoryState()).toEqual(before);
  });

  it("a replayed message id is not applied again, even with a new body signed for it", async () => {
    const userId = freshUserId("replay");
    const id = `msg_replay_${randomBytes(6).toString("hex")}`;
    expect(
      (
        await deliver(
          userEvent("user.created", { userId, firstName: "First" }, Date.now() - 1000),
          { id },
        )
      ).body.status,
    ).toBe("applied");
    const before = await directoryState();
    expect(
      await deliver(userEvent("user.updated", { userId, firstName: "Second" }), { id }),
    ).toEqual({ status: 200, body: { status: "duplicate", type: "user.updated" } });
    expect(await directoryState()).toEqual(before);
    expect((await userRow(userId)).display_name).toBe("First");
  });
});

describe("events", () => {
  it("user.created, user.updated and user.deleted", async () => {
    const userId = freshUserId("lifecycle");
    const t = Date.now() - 10_000;
    await deliver(userEvent("user.created", { userId, firstName: "Zoe", lastName: "Quinn" }, t));
    expect(await userRow(userId)).toEqual({
      display_name: "Zoe Quinn",
      email: `${userId}@example.com`,
      deleted: false,
    });
    await deliver(
      userEvent(
        "user.updated",
        { userId, firstName: "Zoë", lastName: "Quinn", email: "zoe@example.org" },
        t + 1,
      ),
    );
    expect(await userRow(userId)).toEqual({
      display_name: "Zoë Quinn",
      email: "zoe@example.org",
      deleted: false,
    });
    await deliver(deletedEvent("user.deleted", userId, t + 2));
    expect(await userRow(userId)).toEqual({ display_name: null, email: null, deleted: true });
  });

  it("organization.created, organization.updated and organization.deleted", async () => {
    const orgId = freshOrgId("lifecycle");
    const t = Date.now() - 10_000;
    const org = (
      type: "organization.created" | "organization.updated",
      name: string,
      at: number,
    ): ClerkEvent => ({
      type,
      object: "event",
      timestamp: at,
      data: {
        id: orgId,
        object: "organization",
        name,
        slug: name.toLowerCase(),
        created_at: t,
        updated_at: at,
      },
    });
    const row = async () =>
      (
        await owner.query(
          "select name, slug, deleted_at is not null as deleted from directory.organizations where id = $1",
          [orgId],
        )
      ).rows[0];
    await deliver(org("organization.created", "Initech", t));
    expect(await row()).toEqual({ name: "Initech", slug: "initech", deleted: false });
    await deliver(org("organization.updated", "Initrode", t + 1));
    expect(await row()).toEqual({ name: "Initrode", slug: "initrode", deleted: false });
    await deliver(deletedEvent("organization.deleted", orgId, t + 2));
    expect(await row()).toEqual({ name: null, slug: null, deleted: true });
  });

  it("organizationMembership.created, .updated and .deleted", async () => {
    const orgId = freshOrgId("members");
    const userId = freshUserId("member");
    const t = Date.now() - 10_000;
    const organization = { id: orgId, name: "Members Inc" };
    await deliver(
      membershipEvent(
        "organizationMembership.created",
        organization,
        { userId, firstName: "Nia" },
        t,
      ),
    );
    expect(await membershipRow(orgId, userId)).toEqual({ role: "org:member", deleted: false });
    // A member Clerk has not told us about yet gets a provisional name from the membership.
    expect((await userRow(userId)).display_name).toBe("Nia");
    await deliver(
      membershipEvent(
        "organizationMembership.updated",
        organization,
        { userId, firstName: "Nia", role: "org:admin" },
        t + 1,
      ),
    );
    expect(await membershipRow(orgId, userId)).toEqual({ role: "org:admin", deleted: false });
    await deliver(
      membershipEvent(
        "organizationMembership.deleted",
        organization,
        { userId, firstName: "Nia", role: "org:admin" },
        t + 2,
      ),
    );
    expect(await membershipRow(orgId, userId)).toEqual({ role: null, deleted: true });
  });

  it("a name with a NUL byte or over 256 characters is applied, cleaned and cut (a 500 would have Clerk retry it for a day)", async () => {
    const userId = freshUserId("odd");
    const { status, body } = await deliver(
      userEvent("user.created", { userId, firstName: `Nu\u0000l${"l".repeat(300)}` }),
    );
    expect({ status, body }).toEqual({
      status: 200,
      body: { status: "applied", type: "user.created" },
    });
    expect((await userRow(userId)).display_name).toBe(`Nul${"l".repeat(253)}`);
  });

  it("a late, older event never overwrites newer data", async () => {
    const userId = freshUserId("late");
    const t = Date.now() - 10_000;
    await deliver(userEvent("user.updated", { userId, firstName: "Newer" }, t + 5));
    await deliver(userEvent("user.created", { userId, firstName: "Older" }, t));
    expect((await userRow(userId)).display_name).toBe("Newer");
    await deliver(deletedEvent("user.deleted", userId, t + 10));
    await deliver(userEvent("user.updated", { userId, firstName: "Resurrected" }, t + 7));
    expect(await userRow(userId)).toEqual({ display_name: null, email: null, deleted: true });
  });

  it("an event type the directory does not use is answered 200 and changes nothing", async () => {
    const before = await directoryState();
    expect(
      await deliver({
        type: "session.created",
        object: "event",
        timestamp: Date.now(),
        data: { id: "sess_1" },
      }),
    ).toEqual({ status: 200, body: { status: "ignored", type: "session.created" } });
    expect(await directoryState()).toEqual(before);
  });

  it.each([
    ["not JSON", "{not json"],
    [
      "a user without an id",
      {
        type: "user.created",
        object: "event",
        timestamp: Date.now(),
        data: { first_name: "Nobody" },
      },
    ],
    [
      "an organization id that is not one",
      {
        type: "organization.created",
        object: "event",
        timestamp: Date.now(),
        data: { id: "user_x", name: "X", updated_at: 1 },
      },
    ],
    ["no timestamp", { type: "user.created", object: "event", data: { id: "user_x" } }],
  ])(
    "a signed event that is %s is refused with 400 and changes nothing",
    async (_name, payload) => {
      const before = await directoryState();
      const response = await action(
        args(
          request(
            typeof payload === "string" ? signBody(secret, payload) : signDelivery(secret, payload),
          ),
        ),
      );
      expect(response.status).toBe(400);
      expect(await directoryState()).toEqual(before);
    },
  );
});

describe("the endpoint", () => {
  it("answers GET with 405", async () => {
    const response = await loader(args(new Request(`${URL_BASE}/webhooks/clerk`)));
    expect(response.status).toBe(405);
  });

  it("refuses a body over 256 KB with 413 before verifying it", async () => {
    const delivery = signDelivery(secret, {
      type: "user.created",
      padding: "x".repeat(300 * 1024),
    });
    const response = await action(args(request(delivery))).catch((error: Response) => error);
    expect(response.status).toBe(413);
  });

  describe("with Clerk and no signing secret", () => {
    afterEach(() => {
      delete process.env.CLERK_PUBLISHABLE_KEY;
      delete process.env.CLERK_SECRET_KEY;
      reloadConfig();
    });

    it("answers 503 and changes nothing", async () => {
      process.env.CLERK_PUBLISHABLE_KEY = `pk_test_${Buffer.from("example.clerk.accounts.dev$").toString("base64")}`;
      process.env.CLERK_SECRET_KEY = "sk_test_not_a_real_key";
      reloadConfig();
      const before = await directoryState();
      const { status, body } = await deliver(
        userEvent("user.created", { userId: freshUserId("clerk") }),
      );
      expect(status).toBe(503);
      expect(body.message).toMatch(/CLERK_WEBHOOK_SIGNING_SECRET/);
      expect(await directoryState()).toEqual(before);
    });

    it("verifies with CLERK_WEBHOOK_SIGNING_SECRET once it is set (and not with the local secret)", async () => {
      const configured = `whsec_${randomBytes(24).toString("base64")}`;
      process.env.CLERK_PUBLISHABLE_KEY = `pk_test_${Buffer.from("example.clerk.accounts.dev$").toString("base64")}`;
      process.env.CLERK_SECRET_KEY = "sk_test_not_a_real_key";
      process.env.CLERK_WEBHOOK_SIGNING_SECRET = configured;
      reloadConfig();
      try {
        expect(
          (await deliver(userEvent("user.created", { userId: freshUserId("local") }))).status,
        ).toBe(400);
        expect(
          (
            await deliver(userEvent("user.created", { userId: freshUserId("configured") }), {
              secret: configured,
            })
          ).status,
        ).toBe(200);
      } finally {
        delete process.env.CLERK_WEBHOOK_SIGNING_SECRET;
      }
    });
  });
});
