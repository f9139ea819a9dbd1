import { randomUUID } from "node:crypto";
import { Webhook } from "svix";

/**
 * Clerk webhook events as Clerk sends them, for trying the webhook by hand
 * (`npm run directory:send-event`) and in tests: the payload, and the Svix
 * headers that sign it.
 */

export interface ClerkEvent {
  type: string;
  object: "event";
  timestamp: number;
  data: Record<string, unknown>;
}

interface Member {
  userId: string;
  firstName?: string;
  lastName?: string;
  email?: string;
}

export function userEvent(
  type: "user.created" | "user.updated",
  member: Member,
  at = Date.now(),
): ClerkEvent {
  const emailId = `idn_${member.userId}`;
  return {
    type,
    object: "event",
    timestamp: at,
    data: {
      id: member.userId,
      object: "user",
      first_name: member.firstName ?? null,
      last_name: member.lastName ?? null,
      username: null,
      image_url: null,
      primary_email_address_id: emailId,
      email_addresses: [
        {
          id: emailId,
          object: "email_address",
          email_address: member.email ?? `${member.userId}@example.com`,
        },
      ],
      created_at: at,
      updated_at: at,
    },
  };
}

export const deletedEvent = (
  type: "user.deleted" | "organization.deleted",
  id: string,
  at = Date.now(),
): ClerkEvent => ({
  type,
  object: "event",
  timestamp: at,
  data: { id, object: type === "user.deleted" ? "user" : "organization", deleted: true },
});

export function membershipEvent(
  type:
    | "organizationMembership.created"
    | "organizationMembership.updated"
    | "organizationMembership.deleted",
  organization: { id: string; name: string; slug?: string; updatedAt?: number },
  member: Member & { role?: string },
  at = Date.now(),
): ClerkEvent {
  return {
    type,
    object: "event",
    timestamp: at,
    data: {
      id: `orgmem_${organization.id}_${member.userId}`,
      object: "organization_membership",
      role: member.role ?? "org:member",
      organization: {
        id: organization.id,
        object: "organization",
        name: organization.name,
        slug: organization.slug ?? null,
        updated_at: organization.updatedAt ?? 0,
      },
      public_user_data: {
        user_id: member.userId,
        first_name: member.firstName ?? null,
        last_name: member.lastName ?? null,
        identifier: member.email ?? `${member.userId}@example.com`,
        image_url: null,
      },
      created_at: at,
      updated_at: at,
    },
  };
}

interface SignedDelivery {
  body: string;
  headers: Record<string, string>;
}

/** The body and headers of one delivery of an event, signed as Svix signs it. */
export const signDelivery = (
  secret: string,
  event: unknown,
  options: { id?: string; at?: Date } = {},
): SignedDelivery => signBody(secret, JSON.stringify(event), options);

/** Any body, signed as Svix signs it. */
export function signBody(
  secret: string,
  body: string,
  options: { id?: string; at?: Date } = {},
): SignedDelivery {
  const id = options.id ?? `msg_${randomUUID().replaceAll("-", "")}`;
  const at = options.at ?? new Date();
  return {
    body,
    headers: {
      "Content-Type": "application/json",
      "svix-id": id,
      "svix-timestamp": String(Math.floor(at.getTime() / 1000)),
      "svix-signature": new Webhook(secret).sign(id, at, body),
    },
  };
}
