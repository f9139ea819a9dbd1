import { sql, type SQL } from "drizzle-orm";
import { crudPolicy } from "drizzle-orm/neon";
import {
  AUDIT_ACTIONS,
  CLAIM_MINUTES_MAX,
  REVIEW_NOTE_MAX_LENGTH,
  REVIEW_REASONS,
  REVIEW_VERDICTS,
} from "./limits";
import {
  bigint,
  boolean,
  check,
  foreignKey,
  index,
  jsonb,
  pgEnum,
  pgPolicy,
  pgRole,
  pgSchema,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  type AnyPgColumn,
} from "drizzle-orm/pg-core";

/**
 * What each backend role may do lives here and only here: the migrations are
 * generated from these policies. The roles are created by role setup
 * (roles/setup.ts), so drizzle must treat them as existing.
 */
export const authenticatedBackend = pgRole("authenticated_backend").existing();
export const moderatorBackend = pgRole("moderator_backend").existing();
export const adminBackend = pgRole("admin_backend").existing();

/**
 * Ownership predicate. `(select auth.user_id())` is an initplan evaluated
 * once per statement, so Postgres can use the index on the column; drizzle's
 * `authUid` compares inside a per-row subquery and forces a full scan.
 */
const ownedByCaller = (column: AnyPgColumn): SQL => sql`${column} = (select auth.user_id())`;

/**
 * Tenant predicates, the first term of every policy. `warden.tenant_id()` is
 * the caller's active organization, else their personal workspace
 * (`personal:<sub>`); `warden.active_org_id()` is the organization alone, so
 * the moderator and admin policies see nothing at all without one. Both read
 * the claims through `auth.session()` (migrations/0006_tenant_functions.sql),
 * are evaluated once per statement, and lead every index of a tenant table.
 */
const inCallersTenant = (column: AnyPgColumn): SQL => sql`${column} = (select warden.tenant_id())`;
const inCallersOrg = (column: AnyPgColumn): SQL => sql`${column} = (select warden.active_org_id())`;
const callersTenant = sql`(warden.tenant_id())`;

export const todos = pgTable(
  "todos",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    /** Set from the claims at insert (the policies refuse any other value) and never changed (migrations/0008). */
    tenantId: text("tenant_id").notNull().default(callersTenant),
    userId: text("user_id")
      .notNull()
      .default(sql`(auth.user_id())`),
    task: text("task").notNull(),
    isComplete: boolean("is_complete").notNull().default(false),
    insertedAt: timestamp("inserted_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    // A member's own todos, newest or oldest first, without a sort.
    index("todos_tenant_user_inserted_at_id_idx").on(
      table.tenantId,
      table.userId,
      table.insertedAt,
      table.id,
    ),
    // Keyset pagination over a whole organization (moderators, admins) in either direction.
    index("todos_tenant_inserted_at_id_idx").on(table.tenantId, table.insertedAt, table.id),
    // What a review's composite foreign key points at: the todo and its tenant together.
    unique("todos_id_tenant_id_key").on(table.id, table.tenantId),
    crudPolicy({
      role: authenticatedBackend,
      read: sql`${inCallersTenant(table.tenantId)} and ${ownedByCaller(table.userId)}`,
      modify: sql`${inCallersTenant(table.tenantId)} and ${ownedByCaller(table.userId)}`,
    }),
    crudPolicy({
      role: moderatorBackend,
      read: inCallersOrg(table.tenantId),
      modify: sql`${inCallersOrg(table.tenantId)} and ${ownedByCaller(table.userId)}`,
    }),
    crudPolicy({
      role: adminBackend,
      read: inCallersOrg(table.tenantId),
      modify: inCallersOrg(table.tenantId),
    }),
  ],
).enableRLS();

export type Todo = typeof todos.$inferSelect;

export const reviewVerdict = pgEnum("review_verdict", REVIEW_VERDICTS);
export const reviewReason = pgEnum("review_reason", REVIEW_REASONS);

/**
 * Separation of duties: a verdict is never about the reviewer's own todo,
 * nor recorded by the todo's owner. Written by an admin on someone else's
 * behalf, it still may not name the todo's owner as reviewer.
 */
const notOwnersVerdict = (table: { todoId: AnyPgColumn; reviewerId: AnyPgColumn }): SQL =>
  sql`not exists (select 1 from ${todos} where ${todos.id} = ${table.todoId} and (${todos.userId} = ${table.reviewerId} or ${ownedByCaller(todos.userId)}))`;

/**
 * Moderators' verdicts. A todo's current verdict is its latest review.
 * Members read the reviews of their own todos only: the policy asks whether
 * the todo is visible, and RLS on `todos` answers that for them. A review
 * carries its todo's tenant, and the composite foreign key keeps the two
 * equal, so a verdict can never reach across organizations.
 *
 * The member's question is an uncorrelated `in`, not a correlated `exists`:
 * the set of the member's todo ids is read once per statement (one index-only
 * scan of the tenant-and-owner index) and hashed, where `exists` leaves the
 * planner free to probe `todos` once per review row. Both `id` and `todo_id`
 * are NOT NULL, so the two forms admit exactly the same rows. The
 * separation-of-duties checks stay correlated: they depend on each row's
 * reviewer, and cost one primary-key probe per row written.
 */
export const todoReviews = pgTable(
  "todo_reviews",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    todoId: bigint("todo_id", { mode: "number" }).notNull(),
    tenantId: text("tenant_id").notNull().default(callersTenant),
    reviewerId: text("reviewer_id")
      .notNull()
      .default(sql`(auth.user_id())`),
    verdict: reviewVerdict("verdict").notNull(),
    /**
     * Why it is flagged. A flag needs one and an approval takes none, for
     * every review written since migrations/0020 (its check constraint
     * exempts the reviews written before, which keep no reason).
     */
    reason: reviewReason("reason"),
    note: text("note"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    foreignKey({
      name: "todo_reviews_todo_tenant_fk",
      columns: [table.todoId, table.tenantId],
      foreignColumns: [todos.id, todos.tenantId],
    }).onDelete("cascade"),
    index("todo_reviews_tenant_todo_created_at_idx").on(
      table.tenantId,
      table.todoId,
      table.createdAt.desc(),
      table.id.desc(),
    ),
    index("todo_reviews_reviewer_id_idx").on(table.reviewerId),
    check(
      "todo_reviews_note_length",
      sql`char_length(${table.note}) <= ${sql.raw(String(REVIEW_NOTE_MAX_LENGTH))}`,
    ),
    crudPolicy({
      role: authenticatedBackend,
      read: sql`${inCallersTenant(table.tenantId)} and ${table.todoId} in (select ${todos.id} from ${todos})`,
      modify: false,
    }),
    crudPolicy({
      role: moderatorBackend,
      read: inCallersOrg(table.tenantId),
      modify: sql`${inCallersOrg(table.tenantId)} and ${ownedByCaller(table.reviewerId)} and ${notOwnersVerdict(table)}`,
    }),
    pgPolicy("crud-admin_backend-policy-select", {
      for: "select",
      to: adminBackend,
      using: inCallersOrg(table.tenantId),
    }),
    pgPolicy("crud-admin_backend-policy-insert", {
      for: "insert",
      to: adminBackend,
      withCheck: sql`${inCallersOrg(table.tenantId)} and ${notOwnersVerdict(table)}`,
    }),
    pgPolicy("crud-admin_backend-policy-update", {
      for: "update",
      to: adminBackend,
      using: inCallersOrg(table.tenantId),
      withCheck: sql`${inCallersOrg(table.tenantId)} and ${notOwnersVerdict(table)}`,
    }),
    pgPolicy("crud-admin_backend-policy-delete", {
      for: "delete",
      to: adminBackend,
      using: inCallersOrg(table.tenantId),
    }),
  ],
).enableRLS();

/**
 * The review queue worked as a team (decision 020): claims, so two
 * reviewers do not take the same todo, and escalations to admins. Only
 * moderators and admins of the organization touch either table; members
 * have no policy and no grant (migrations/0020). Neither table has a
 * foreign key to `todos`: deleting a todo leaves its claims and escalations
 * where they are, so the delete touches nothing of the queue, and undoing it
 * finds them as they were. The policies require the todo to be one the
 * caller sees (RLS on `todos`: their organization's) and not their own, the
 * same separation of duties as verdicts.
 */
const reviewers = [moderatorBackend, adminBackend];
const othersTodo = (todoId: AnyPgColumn): SQL =>
  sql`exists (select 1 from ${todos} where ${todos.id} = ${todoId} and ${todos.userId} <> (select auth.user_id()))`;

/**
 * At most one claim per todo, ever: a row per claimed todo, which lives
 * until `expires_at` or until its holder releases it (or records a verdict:
 * the same transaction deletes it). A lapsed claim is taken over by
 * updating the row; a live one of someone else's cannot be updated (UPDATE
 * USING) or deleted. A claim starts now and lasts at most a day, so no one
 * holds a todo for good.
 */
export const todoClaims = pgTable(
  "todo_claims",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    todoId: bigint("todo_id", { mode: "number" }).notNull(),
    tenantId: text("tenant_id").notNull().default(callersTenant),
    claimantId: text("claimant_id")
      .notNull()
      .default(sql`(auth.user_id())`),
    claimedAt: timestamp("claimed_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (table) => [
    unique("todo_claims_todo_id_key").on(table.todoId),
    index("todo_claims_tenant_claimant_idx").on(table.tenantId, table.claimantId),
    check(
      "todo_claims_lifetime",
      sql`${table.expiresAt} > ${table.claimedAt} and ${table.expiresAt} <= ${table.claimedAt} + interval '${sql.raw(String(CLAIM_MINUTES_MAX))} minutes'`,
    ),
    pgPolicy("todo_claims_read", {
      for: "select",
      to: reviewers,
      using: inCallersOrg(table.tenantId),
    }),
    pgPolicy("todo_claims_claim", {
      for: "insert",
      to: reviewers,
      withCheck: sql`${inCallersOrg(table.tenantId)} and ${ownedByCaller(table.claimantId)} and ${table.claimedAt} = now() and ${othersTodo(table.todoId)}`,
    }),
    pgPolicy("todo_claims_renew_own_or_take_over_lapsed", {
      for: "update",
      to: reviewers,
      using: sql`${inCallersOrg(table.tenantId)} and (${ownedByCaller(table.claimantId)} or ${table.expiresAt} <= now())`,
      withCheck: sql`${inCallersOrg(table.tenantId)} and ${ownedByCaller(table.claimantId)} and ${table.claimedAt} = now() and ${othersTodo(table.todoId)}`,
    }),
    pgPolicy("todo_claims_release_own", {
      for: "delete",
      to: reviewers,
      using: sql`${inCallersOrg(table.tenantId)} and ${ownedByCaller(table.claimantId)}`,
    }),
  ],
).enableRLS();

/**
 * A moderator asks the organization's admins to decide on a todo, saying
 * why. Only admins resolve one, in their own name; nobody deletes one (it
 * is part of the todo's history). One open escalation per todo.
 */
export const todoEscalations = pgTable(
  "todo_escalations",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    todoId: bigint("todo_id", { mode: "number" }).notNull(),
    tenantId: text("tenant_id").notNull().default(callersTenant),
    escalatedBy: text("escalated_by")
      .notNull()
      .default(sql`(auth.user_id())`),
    reason: reviewReason("reason").notNull(),
    note: text("note"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    resolvedBy: text("resolved_by"),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
  },
  (table) => [
    index("todo_escalations_tenant_todo_idx").on(table.tenantId, table.todoId),
    index("todo_escalations_tenant_escalated_by_idx").on(table.tenantId, table.escalatedBy),
    index("todo_escalations_tenant_resolved_by_idx").on(table.tenantId, table.resolvedBy),
    uniqueIndex("todo_escalations_one_open_per_todo")
      .on(table.todoId)
      .where(sql`resolved_at is null`),
    check(
      "todo_escalations_note_length",
      sql`char_length(${table.note}) <= ${sql.raw(String(REVIEW_NOTE_MAX_LENGTH))}`,
    ),
    check(
      "todo_escalations_resolved_with_resolver",
      sql`(${table.resolvedBy} is null) = (${table.resolvedAt} is null)`,
    ),
    pgPolicy("todo_escalations_read", {
      for: "select",
      to: reviewers,
      using: inCallersOrg(table.tenantId),
    }),
    pgPolicy("todo_escalations_escalate", {
      for: "insert",
      to: moderatorBackend,
      withCheck: sql`${inCallersOrg(table.tenantId)} and ${ownedByCaller(table.escalatedBy)} and ${table.resolvedAt} is null and ${othersTodo(table.todoId)}`,
    }),
    pgPolicy("todo_escalations_resolve", {
      for: "update",
      to: adminBackend,
      using: sql`${inCallersOrg(table.tenantId)} and ${table.resolvedAt} is null`,
      withCheck: sql`${inCallersOrg(table.tenantId)} and ${ownedByCaller(table.resolvedBy)} and ${table.resolvedAt} = now() and ${othersTodo(table.todoId)}`,
    }),
  ],
).enableRLS();

/**
 * The audit log lives in its own schema, outside the table and default
 * privileges role setup grants in `public`: the app's roles get SELECT on it
 * and never INSERT, UPDATE or DELETE. Statement-level triggers
 * (migrations/0003, 0008, 0017, 0020), running as the owner, write one entry
 * per changed row of `todos`, `todo_reviews`, `todo_claims` and
 * `todo_escalations`, so no code path can skip or forge it.
 *
 * Who reads which entries (decision 019): an admin reads their
 * organization's whole log, deleted todos included. Anyone else reads, within
 * their tenant, the history of the todos their own policies let them see now,
 * and every entry they caused themselves (so a member can undo deleting their
 * own todo, whose history they no longer see otherwise).
 */
export const auditSchema = pgSchema("audit");

/**
 * An entry about a todo the caller's own policies show them now, or one they
 * caused. The set of visible todo ids is read once per statement, as in the
 * reviews policy.
 */
const visibleOrOwnDoing = (table: { todoId: AnyPgColumn; actor: AnyPgColumn }): SQL =>
  sql`(${table.todoId} in (select ${todos.id} from ${todos}) or ${ownedByCaller(table.actor)})`;
export const auditAction = auditSchema.enum("audit_action", AUDIT_ACTIONS);

export const auditLog = auditSchema
  .table(
    "audit_log",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      occurredAt: timestamp("occurred_at", { withTimezone: true }).notNull().defaultNow(),
      /** All entries one transaction wrote share this id (a bulk action of N rows: N entries, one id). */
      txId: bigint("tx_id", { mode: "number" }).notNull(),
      /** The changed row's tenant; admins read their organization's entries only. */
      tenantId: text("tenant_id"),
      /** `auth.user_id()` of the request; null for setup work done with the owner connection. */
      actor: text("actor"),
      /** The login role the request ran as (`session_user`; inside the owner's trigger `current_user` is the owner). */
      dbRole: text("db_role").notNull(),
      action: auditAction("action").notNull(),
      tableName: text("table_name").notNull(),
      rowId: bigint("row_id", { mode: "number" }).notNull(),
      /** The todo an entry is about: the row itself for `todos`, the todo a review, claim or escalation names otherwise. */
      todoId: bigint("todo_id", { mode: "number" }),
      before: jsonb("before"),
      after: jsonb("after"),
    },
    (table) => [
      index("audit_log_tenant_id_idx").on(table.tenantId, table.id),
      index("audit_log_tenant_occurred_at_id_idx").on(table.tenantId, table.occurredAt, table.id),
      index("audit_log_tenant_actor_idx").on(table.tenantId, table.actor, table.id),
      index("audit_log_tenant_todo_id_idx").on(table.tenantId, table.todoId, table.id),
      index("audit_log_tx_id_idx").on(table.txId),
      // Members read no claims or escalations, so not their history either.
      crudPolicy({
        role: authenticatedBackend,
        read: sql`${inCallersTenant(table.tenantId)} and ${visibleOrOwnDoing(table)} and ${table.tableName} in ('todos', 'todo_reviews')`,
        modify: false,
      }),
      crudPolicy({
        role: moderatorBackend,
        read: sql`${inCallersOrg(table.tenantId)} and ${visibleOrOwnDoing(table)}`,
        modify: false,
      }),
      crudPolicy({ role: adminBackend, read: inCallersOrg(table.tenantId), modify: false }),
    ],
  )
  .enableRLS();

/**
 * One row per transaction and tenant that changed anything, kept by the same
 * triggers: how many entries it wrote, and which transaction it reverts when
 * it is a revert. A revert compares the entries the caller can read with
 * this count, so it never undoes only the part of a transaction it can see.
 * Members and moderators read only the transactions they made themselves.
 */
export const auditTransactions = auditSchema
  .table(
    "transactions",
    {
      txId: bigint("tx_id", { mode: "number" }).notNull(),
      tenantId: text("tenant_id").notNull(),
      actor: text("actor"),
      dbRole: text("db_role").notNull(),
      occurredAt: timestamp("occurred_at", { withTimezone: true }).notNull().defaultNow(),
      entries: bigint("entries", { mode: "number" }).notNull(),
      /** Set when this transaction was a revert (warden.revert_transaction). */
      revertsTxId: bigint("reverts_tx_id", { mode: "number" }),
    },
    (table) => [
      primaryKey({ columns: [table.txId, table.tenantId] }),
      index("transactions_tenant_actor_tx_idx").on(table.tenantId, table.actor, table.txId),
      index("transactions_tenant_reverts_tx_idx").on(table.tenantId, table.revertsTxId),
      crudPolicy({
        role: authenticatedBackend,
        read: sql`${inCallersTenant(table.tenantId)} and ${ownedByCaller(table.actor)}`,
        modify: false,
      }),
      crudPolicy({
        role: moderatorBackend,
        read: sql`${inCallersOrg(table.tenantId)} and ${ownedByCaller(table.actor)}`,
        modify: false,
      }),
      crudPolicy({ role: adminBackend, read: inCallersOrg(table.tenantId), modify: false }),
    ],
  )
  .enableRLS();

/**
 * The local identity provider's server-side sessions (embedded default and
 * the demo opt-in; Clerk keeps its own). A session token counts only while
 * its row is live, so a copied cookie is useless after sign-out or a switch.
 * Each request role sees and changes only the row of its own token's `sid`;
 * an update may only end a live session, and an ended id can never be
 * reused (primary key), so nothing revives it.
 */
const ownSession = (table: { id: AnyPgColumn; userId: AnyPgColumn }): SQL =>
  sql`${table.id} = (select auth.session() ->> 'sid') and ${ownedByCaller(table.userId)}`;
const requestRoles = [authenticatedBackend, moderatorBackend, adminBackend];

export const localSessions = pgTable(
  "local_sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .default(sql`(auth.user_id())`),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    endedAt: timestamp("ended_at", { withTimezone: true }),
  },
  (table) => [
    pgPolicy("local_sessions_select_own", {
      for: "select",
      to: requestRoles,
      using: ownSession(table),
    }),
    pgPolicy("local_sessions_insert_own", {
      for: "insert",
      to: requestRoles,
      withCheck: sql`${ownSession(table)} and ${table.endedAt} is null`,
    }),
    pgPolicy("local_sessions_end_own", {
      for: "update",
      to: requestRoles,
      using: sql`${ownSession(table)} and ${table.endedAt} is null`,
      withCheck: sql`${ownSession(table)} and ${table.endedAt} is not null`,
    }),
  ],
).enableRLS();

/**
 * The directory: Warden's copy of Clerk's users, organizations and
 * memberships, written only by the directory's own login role (the Clerk
 * webhook and `npm run directory:sync`) and read by the request roles under
 * the tenant rules. Each row carries the version of Clerk's data it holds
 * (`updated_at`), so a late, older event never overwrites newer data; a
 * deletion keeps the id and version as a tombstone (`deleted_at`, with the
 * person's details cleared) that hides the row and outranks older events.
 */
export const directorySchema = pgSchema("directory");
export const directoryBackend = pgRole("directory_backend").existing();

/** A live row: never a tombstone. */
const live = (deletedAt: AnyPgColumn): SQL => sql`${deletedAt} is null`;
const directoryWriter = (name: string) =>
  pgPolicy(name, { for: "all", to: directoryBackend, using: sql`true`, withCheck: sql`true` });

export const directoryOrganizations = directorySchema
  .table(
    "organizations",
    {
      id: text("id").primaryKey(),
      name: text("name"),
      slug: text("slug"),
      updatedAt: timestamp("updated_at", { withTimezone: true, precision: 3 }).notNull(),
      deletedAt: timestamp("deleted_at", { withTimezone: true, precision: 3 }),
    },
    (table) => [
      pgPolicy("organizations_read_active", {
        for: "select",
        to: requestRoles,
        using: sql`${live(table.deletedAt)} and ${inCallersOrg(table.id)}`,
      }),
      directoryWriter("organizations_directory_writer"),
    ],
  )
  .enableRLS();

export const directoryMemberships = directorySchema
  .table(
    "memberships",
    {
      organizationId: text("organization_id").notNull(),
      userId: text("user_id").notNull(),
      role: text("role"),
      updatedAt: timestamp("updated_at", { withTimezone: true, precision: 3 }).notNull(),
      deletedAt: timestamp("deleted_at", { withTimezone: true, precision: 3 }),
    },
    (table) => [
      primaryKey({ columns: [table.organizationId, table.userId] }),
      index("memberships_user_id_idx").on(table.userId),
      pgPolicy("memberships_read_active_org", {
        for: "select",
        to: requestRoles,
        using: sql`${live(table.deletedAt)} and ${inCallersOrg(table.organizationId)}`,
      }),
      directoryWriter("memberships_directory_writer"),
    ],
  )
  .enableRLS();

/**
 * People. A request role sees itself, and the live members of its active
 * organization; members see names and pictures, never emails (the column
 * is not granted to `authenticated_backend`: migrations/0010). The
 * membership check stays a correlated `exists`: a page joins a few dozen
 * people, each one primary-key probe of `memberships`, where an `in` would
 * hash every member of the organization on every page (thousands of rows in
 * a large one; 20× slower for an admin's first page, measured). It names
 * no organization: the memberships it can see are already only the live
 * ones of the caller's active organization (their own policy), and spelling
 * that out again costs each joined person one more tenant lookup and a
 * repeated filter.
 */
export const directoryUsers = directorySchema
  .table(
    "users",
    {
      id: text("id").primaryKey(),
      displayName: text("display_name"),
      email: text("email"),
      imageUrl: text("image_url"),
      updatedAt: timestamp("updated_at", { withTimezone: true, precision: 3 }).notNull(),
      deletedAt: timestamp("deleted_at", { withTimezone: true, precision: 3 }),
    },
    (table) => [
      pgPolicy("users_read_self_and_active_org", {
        for: "select",
        to: requestRoles,
        using: sql`${live(table.deletedAt)} and (${ownedByCaller(table.id)} or exists (select 1 from ${directoryMemberships} m where m.user_id = ${table.id}))`,
      }),
      directoryWriter("users_directory_writer"),
    ],
  )
  .enableRLS();

/**
 * Webhook message ids already applied (Svix's `svix-id`, the same on every
 * retry), recorded in the transaction that applies the message so a replay
 * or a retry is never applied twice. Only the directory's writer sees it.
 */
export const directoryWebhookMessages = directorySchema
  .table(
    "webhook_messages",
    {
      id: text("id").primaryKey(),
      receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (table) => [
      index("webhook_messages_received_at_idx").on(table.receivedAt),
      directoryWriter("webhook_messages_directory_writer"),
    ],
  )
  .enableRLS();
