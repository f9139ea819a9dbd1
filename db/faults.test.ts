import type { PoolClient } from "@neondatabase/serverless";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { isDatabaseUnavailable } from "./availability";
import { runBulk, type BulkRequest } from "./bulk.server";
import { closeDirectoryPool } from "./directory/apply.server";
import { BULK_ACTIONS, type BulkAction } from "./limits";
import { closeRolePools, rolePool } from "./pools.server";
import { withIdentity } from "./scoped.server";
import { addMembers, directoryFixtures } from "./testing/directory";
import {
  BULK_STATEMENT,
  dropAllFaults,
  holdAdvisoryLock,
  installRowFault,
  literal,
  outcomeOf,
  type Fault,
} from "./testing/faults";
import { expectBulkDone } from "./testing/bulk-checks";
import { identityFor, ownerPool } from "./testing/identities";
import * as checks from "./testing/owner-checks";

// One attempt each: these tests are about what a failed attempt leaves behind. Retrying on a
// fresh connection, which would hide the failure here, is availability.test.ts's subject.
process.env.WARDEN_DB_WAIT_MS = "0";

/**
 * Faults in the middle of a bulk write, injected from inside the database:
 * whatever row of the statement they hit, the write is all-or-nothing, nothing
 * reaches the audit log, and the same pool serves the next call.
 */

const N = 20;
const ROWS = [1, N / 2, N];
const NEW_OWNER_NAME = "Faye Fault";
const POOL_MAX = Number(process.env.WARDEN_POOL_MAX ?? 10);

const owner = ownerPool();
const fixtures = directoryFixtures();
const adminPool = () => rolePool("admin_backend").pool;

afterAll(async () => {
  await dropAllFaults(owner);
  await fixtures.cleanUp(owner);
  await owner.end();
  await closeRolePools();
  await closeDirectoryPool();
});

/**
 * A fresh organization of its own (the injected trigger fires only there),
 * its admin, N todos in the state the action changes and, for reassign, a
 * member to give them to.
 */
async function arrange(action: BulkAction) {
  const org = fixtures.org("faults");
  const from = fixtures.user("from");
  const to = fixtures.user("to");
  if (action === "reassign")
    await addMembers(org, [{ userId: to, name: NEW_OWNER_NAME }], "Faults");
  const { rows } = await owner.query<{ id: string }>(
    "insert into todos (tenant_id, user_id, task, is_complete) select $1, $2, 'fault ' || g, $3 from generate_series(1, $4::int) g returning id",
    [org, from, action === "reopen", N],
  );
  const ids = rows.map((row) => Number(row.id)).sort((a, b) => a - b);
  const admin = identityFor(fixtures.user("admin"), "org:admin", org);
  const request: BulkRequest =
    action === "reassign" ? { action, owner: to, target: { ids } } : { action, target: { ids } };
  return {
    action,
    org,
    to,
    ids,
    admin,
    request,
    bulk: () => withIdentity(admin, (tx) => runBulk(tx, request)),
  };
}
type Arranged = Awaited<ReturnType<typeof arrange>>;

/** Every todo of the organization and how many audit entries it has: "unchanged" is all of it. */
async function tenantState(org: string) {
  const { rows } = await owner.query(
    `select count(*)::int as n,
            md5(coalesce(string_agg(id || ':' || user_id || ':' || task || ':' || is_complete, ',' order by id), '')) as digest,
            (select count(*)::int from audit.audit_log where tenant_id = $1) as audit_entries
       from todos where tenant_id = $1`,
    [org],
  );
  return rows[0] as { n: number; digest: string; audit_entries: number };
}

const faultOnRow = (arranged: Arranged, row: number, fault: Fault) =>
  installRowFault(owner, {
    action: arranged.action,
    row,
    when: `old.tenant_id = ${literal(arranged.org)}`,
    fault,
  });

/** What a fault must leave behind: the organization as it was, and no audit entry anywhere. */
async function expectUntouched(
  arranged: Arranged,
  before: Awaited<ReturnType<typeof tenantState>>,
  auditSince: number,
) {
  expect(await tenantState(arranged.org)).toEqual(before);
  expect(await checks.auditHighWater(owner)).toBe(auditSince);
}

/** The same request again, on the same pool, with nothing in its way: every row changes, one audit entry each. */
async function expectNextCallSucceeds(arranged: Arranged, auditSince: number) {
  const done = { changed: N, txId: expect.any(Number) };
  expect(await arranged.bulk()).toEqual(
    arranged.action === "reassign" ? { ...done, ownerName: NEW_OWNER_NAME } : done,
  );
  await expectBulkDone(owner, arranged, auditSince);
}

/**
 * Checks out as many connections as the pool may hold, all at once: every
 * idle one is handed out, so a dead one kept in the pool would fail here.
 * None may be the terminated backend, and nothing stays checked out.
 */
async function expectOnlyLiveConnections(terminated: number) {
  const pool = adminPool();
  expect({ checkedOut: pool.totalCount - pool.idleCount, waiting: pool.waitingCount }).toEqual({
    checkedOut: 0,
    waiting: 0,
  });
  const probe = identityFor(fixtures.user("probe"), "org:admin", fixtures.org("probe"));
  let arrived = 0;
  let allArrived!: () => void;
  const everyone = new Promise<void>((resolve) => (allArrived = resolve));
  const arrive = () => ++arrived === POOL_MAX && allArrived();
  const pids = await Promise.all(
    Array.from({ length: POOL_MAX }, () =>
      withIdentity(probe, async (tx) => {
        const { rows } = await tx.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`);
        arrive();
        await everyone;
        return rows[0].pid;
      }).catch((error: unknown) => {
        arrive();
        throw error;
      }),
    ),
  );
  expect(new Set(pids).size).toBe(POOL_MAX);
  expect(pids).not.toContain(terminated);
}

describe.each(BULK_ACTIONS)(`bulk %s of ${N} rows`, (action) => {
  it.each(ROWS)(
    "a trigger raising on row %i: rejected with its error, nothing changed, nothing audited; the next call succeeds",
    async (k) => {
      const arranged = await arrange(action);
      const before = await tenantState(arranged.org);
      const since = await checks.auditHighWater(owner);
      const fault = await faultOnRow(arranged, k, { kind: "raise" });
      try {
        const error = await outcomeOf(arranged.bulk()).rejection();
        expect(error).toEqual(
          expect.objectContaining({
            cause: expect.objectContaining({ code: "P0001", message: fault.marker }),
          }),
        );
        // A failing statement is the server's fault, not an outage: the route answers 500, not 503.
        expect(isDatabaseUnavailable(error)).toBe(false);
        // Rows before k had been changed inside the statement when it failed.
        expect(await fault.seen()).toBe(k);
      } finally {
        await fault.drop();
      }
      await expectUntouched(arranged, before, since);
      await expectNextCallSucceeds(arranged, since);
    },
  );

  it.each(ROWS)(
    "the backend terminated while row %i waits: rejected as unavailable, nothing changed, nothing audited; the pool drops it",
    async (k) => {
      const arranged = await arrange(action);
      const before = await tenantState(arranged.org);
      const since = await checks.auditHighWater(owner);
      const lock = await holdAdvisoryLock(owner);
      const fault = await faultOnRow(arranged, k, { kind: "block", lockKey: lock.key });
      let terminated: number;
      try {
        const call = outcomeOf(arranged.bulk());
        terminated = await lock.terminateWaiter(call, BULK_STATEMENT[action]);
        expect(isDatabaseUnavailable(await call.rejection())).toBe(true);
        expect(await fault.seen()).toBe(k);
      } finally {
        await lock.release();
        await fault.drop();
      }
      await expectUntouched(arranged, before, since);
      await expectOnlyLiveConnections(terminated);
      await expectNextCallSucceeds(arranged, since);
    },
  );

  // The backend dies while the transaction sits between two statements: the
  // driver has already seen the connection end and refuses the next one itself.
  it("the backend terminated between statements of the transaction: rejected as unavailable, nothing changed; the pool drops it", async () => {
    const arranged = await arrange(action);
    const before = await tenantState(arranged.org);
    const since = await checks.auditHighWater(owner);
    let client!: PoolClient;
    adminPool().once("acquire", (acquired: PoolClient) => (client = acquired));
    let terminated!: number;
    const error = await outcomeOf(
      withIdentity(arranged.admin, async (tx) => {
        const { rows } = await tx.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`);
        terminated = rows[0].pid;
        // Not events.once: it would reject on the "error" the client emits first.
        const ended = new Promise((resolve) => client.once("end", resolve));
        await owner.query("select pg_terminate_backend($1)", [terminated]);
        await ended;
        return runBulk(tx, arranged.request);
      }),
    ).rejection();
    expect(isDatabaseUnavailable(error)).toBe(true);
    await expectUntouched(arranged, before, since);
    await expectOnlyLiveConnections(terminated);
    await expectNextCallSucceeds(arranged, since);
  });
});

/**
 * A backend terminated while its connection idles in the pool: the pool may
 * hand it out before the driver has seen it end, and then BEGIN fails. That
 * call is answered "unavailable"; the connection must not stay checked out
 * (a pool that loses one per such call is soon exhausted) nor be handed out again.
 */
it("a pooled connection terminated while idle: a call that meets it fails as unavailable, and no connection is lost or reused", async () => {
  const probe = identityFor(fixtures.user("probe"), "org:admin", fixtures.org("probe"));
  const pidOf = () =>
    withIdentity(
      probe,
      async (tx) =>
        (await tx.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`)).rows[0].pid,
    );
  let metDeadConnection = 0;
  let lastTerminated = 0;
  // Whether the pool hands out the dead connection is a race with the driver noticing; it usually does within a few rounds.
  for (let round = 0; round < 60 && metDeadConnection < 3; round++) {
    lastTerminated = await pidOf();
    await owner.query("select pg_terminate_backend($1)", [lastTerminated]);
    const next = await outcomeOf(pidOf()).outcome;
    if (next.ok) {
      expect(next.value).not.toBe(lastTerminated);
    } else {
      expect(isDatabaseUnavailable(next.error)).toBe(true);
      metDeadConnection++;
    }
    const pool = adminPool();
    expect({ round, checkedOut: pool.totalCount - pool.idleCount }).toEqual({
      round,
      checkedOut: 0,
    });
    expect(await pidOf()).not.toBe(lastTerminated);
  }
  expect(metDeadConnection).toBeGreaterThan(0);
  await expectOnlyLiveConnections(lastTerminated);
});
