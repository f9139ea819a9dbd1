import { sql, type SQL } from "drizzle-orm";
import type { NeonDatabase } from "drizzle-orm/neon-serverless";
import type { Pool } from "@neondatabase/serverless";
import { DIRECTORY_ROLE, DIRECTORY_URL_ENV } from "../../roles/roles";
import { createPool } from "../driver";
import { pooledDatabase } from "../pooled-database";
import type { DirectoryChange } from "./changes";

/**
 * Writes directory changes through the directory's own login role, in one
 * transaction. Every write is an upsert guarded by the row's version, so
 * applying the same changes twice, or older changes after newer ones, leaves
 * the newest state: the result does not depend on the order of delivery.
 * At equal versions a deletion wins, so a deletion that carries its object's
 * last version still ends it.
 */

type DirectoryDb = NeonDatabase<Record<string, never>>;
type DirectoryTx = Parameters<Parameters<DirectoryDb["transaction"]>[0]>[0];

let shared: { pool: Pool; db: DirectoryDb } | null = null;

function directoryConnection(): { pool: Pool; db: DirectoryDb } {
  if (!shared) {
    const url = process.env[DIRECTORY_URL_ENV];
    if (!url)
      throw new Error(
        `${DIRECTORY_URL_ENV} is not set: the ${DIRECTORY_ROLE} role has no connection string`,
      );
    const pool = createPool(url, { max: 2 });
    shared = { pool, db: pooledDatabase(pool, {}) };
  }
  return shared;
}

const directoryDb = () => directoryConnection().db;

/** The directory's writer's pool, for reads the writer needs (the backfill's reconciliation); `closeDirectoryPool` ends it. */
export const directoryPool = () => directoryConnection().pool;

export async function closeDirectoryPool() {
  const closing = shared?.pool.end();
  shared = null;
  await closing;
}

const at = (version: number) => sql`to_timestamp(${version}::double precision / 1000)`;

/** The upsert's guard: the incoming row is newer, or as new and a deletion of a live row. */
const newer = (table: string) =>
  sql.raw(
    `excluded.updated_at > ${table}.updated_at or (excluded.updated_at = ${table}.updated_at and excluded.deleted_at is not null and ${table}.deleted_at is null)`,
  );

function statementFor(change: DirectoryChange): SQL {
  switch (change.kind) {
    case "user": {
      const [displayName, email, imageUrl] = change.deleted
        ? [null, null, null]
        : [change.displayName, change.email, change.imageUrl];
      return sql`insert into directory.users as u (id, display_name, email, image_url, updated_at, deleted_at)
        values (${change.id}, ${displayName}, ${email}, ${imageUrl}, ${at(change.version)}, ${change.deleted ? at(change.version) : null})
        on conflict (id) do update set display_name = excluded.display_name, email = excluded.email, image_url = excluded.image_url,
          updated_at = excluded.updated_at, deleted_at = excluded.deleted_at
        where ${newer("u")}`;
    }
    case "organization": {
      const [name, slug] = change.deleted ? [null, null] : [change.name, change.slug];
      return sql`insert into directory.organizations as o (id, name, slug, updated_at, deleted_at)
        values (${change.id}, ${name}, ${slug}, ${at(change.version)}, ${change.deleted ? at(change.version) : null})
        on conflict (id) do update set name = excluded.name, slug = excluded.slug, updated_at = excluded.updated_at, deleted_at = excluded.deleted_at
        where ${newer("o")}`;
    }
    case "membership":
      return sql`insert into directory.memberships as m (organization_id, user_id, role, updated_at, deleted_at)
        values (${change.organizationId}, ${change.userId}, ${change.role}, ${at(change.version)}, ${change.deleted ? at(change.version) : null})
        on conflict (organization_id, user_id) do update set role = excluded.role, updated_at = excluded.updated_at, deleted_at = excluded.deleted_at
        where ${newer("m")}`;
    case "provisional-user":
      return sql`insert into directory.users (id, display_name, image_url, updated_at)
        values (${change.id}, ${change.displayName}, ${change.imageUrl}, ${at(0)})
        on conflict (id) do nothing`;
  }
}

async function applyIn(tx: DirectoryTx, changes: readonly DirectoryChange[]) {
  for (const change of changes) await tx.execute(statementFor(change));
}

/** Applies changes (a backfill page, the demo directory); safe to repeat. */
export async function applyDirectoryChanges(changes: readonly DirectoryChange[]): Promise<void> {
  await directoryDb().transaction((tx) => applyIn(tx, changes));
}

/** How long a webhook message id is remembered: longer than Svix keeps retrying a message. */
const REMEMBER_MESSAGES = "7 days";

/**
 * Applies one webhook message's changes unless its id was applied before.
 * The id is recorded in the same transaction, so a message is applied
 * exactly once even when two deliveries race.
 */
export async function applyWebhookMessage(
  messageId: string,
  changes: readonly DirectoryChange[],
): Promise<"applied" | "duplicate"> {
  return directoryDb().transaction(async (tx) => {
    const { rowCount } = await tx.execute(
      sql`insert into directory.webhook_messages (id) values (${messageId}) on conflict (id) do nothing`,
    );
    if (!rowCount) return "duplicate";
    await applyIn(tx, changes);
    await tx.execute(
      sql`delete from directory.webhook_messages where received_at < now() - ${REMEMBER_MESSAGES}::interval`,
    );
    return "applied";
  });
}
