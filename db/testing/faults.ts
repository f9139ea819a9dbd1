import { randomInt, randomUUID } from "node:crypto";
import type { Pool } from "@neondatabase/serverless";
import { expect } from "vitest";
import type { BulkAction } from "../limits";
import { dropFaultObjects, dropFaultsLeftBehind, FAULT_PREFIX } from "./fault-cleanup";

/**
 * Faults injected into a bulk write from inside the database: a temporary
 * row-level trigger on todos that counts the rows the statement visits and,
 * on the k-th, either raises or waits on an advisory lock the test holds (so
 * the test can terminate the backend at a known point mid-statement). It
 * fires only on rows that match the caller's condition, so other rows, and
 * other tests, never meet it.
 */

export const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

export type Fault = { kind: "raise" } | { kind: "block"; lockKey: number };

export interface RowFault {
  /** The text the raising trigger's error carries. */
  marker: string;
  /** How many rows the trigger has seen: a sequence, so a rollback does not undo the count. */
  seen(): Promise<number>;
  drop(): Promise<void>;
}

/** BEFORE UPDATE for the updating actions, BEFORE DELETE for delete: the trigger the statement itself fires. */
const eventOf = (action: BulkAction) => (action === "delete" ? "delete" : "update");

export async function installRowFault(
  owner: Pool,
  options: { action: BulkAction; row: number; when: string; fault: Fault },
): Promise<RowFault> {
  const name = `${FAULT_PREFIX}${randomUUID().replaceAll("-", "")}`;
  const marker = `injected fault ${randomUUID()}`;
  const onRow =
    options.fault.kind === "raise"
      ? `raise exception ${literal(marker)}`
      : `perform pg_advisory_xact_lock(${options.fault.lockKey})`;
  await owner.query(`create sequence public.${name}`);
  // Security definer: the request roles may not touch the sequence.
  await owner.query(`create function public.${name}() returns trigger language plpgsql security definer set search_path = pg_catalog, public, pg_temp as $fn$
    begin
      if nextval('public.${name}') = ${options.row} then ${onRow}; end if;
      if tg_op = 'DELETE' then return old; end if;
      return new;
    end $fn$`);
  await owner.query(
    `create trigger ${name} before ${eventOf(options.action)} on public.todos for each row when (${options.when}) execute function public.${name}()`,
  );
  return {
    marker,
    async seen() {
      const { rows } = await owner.query(
        `select case when is_called then last_value else 0 end::int as n from public.${name}`,
      );
      return rows[0].n;
    },
    drop: () => dropFaultObjects(owner, name),
  };
}

/** Every fault in the database: this test's, including any a timed-out test left behind, and any a killed run did. */
export const dropAllFaults = dropFaultsLeftBehind;

/** A promise's outcome, kept until asked for, so a rejection is never unhandled while the test does other work. */
export function outcomeOf<T>(promise: Promise<T>) {
  let settled = false;
  const outcome = promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  void outcome.then(() => (settled = true));
  return {
    outcome,
    settled: () => settled,
    /** The error it rejected with; a call that succeeded where it had to fail fails the test. */
    async rejection(): Promise<unknown> {
      const result = await outcome;
      if (result.ok)
        throw new Error(`the call succeeded where it had to fail: ${JSON.stringify(result.value)}`);
      return result.error;
    },
  };
}

/**
 * An advisory lock held on its own owner connection. `terminateWaiter` finds
 * the backend blocked on it (the bulk statement, stopped at row k), checks it
 * is running that statement, and terminates it.
 */
export async function holdAdvisoryLock(owner: Pool) {
  // Positive and below 2^31: pg_locks shows it as classid 0, objid key.
  const key = randomInt(1, 2 ** 31 - 1);
  const holder = await owner.connect();
  await holder.query("select pg_advisory_lock($1)", [key]);
  return {
    key,
    async terminateWaiter(call: { settled(): boolean }, statement: RegExp): Promise<number> {
      const deadline = Date.now() + 10_000;
      for (;;) {
        // pg_locks is the whole server's: the same key may be held in another test file's database.
        const { rows: waiting } = await owner.query<{ pid: number }>(
          `select pid from pg_locks
            where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())
              and classid = 0 and objid = $1::bigint::oid and not granted`,
          [key],
        );
        if (waiting.length > 0) {
          // Asked only now: pg_stat_activity read in the same statement as pg_locks can be a snapshot from before the waiting statement began.
          const { rows } = await owner.query<{ pid: number; usename: string; query: string }>(
            "select pid, usename, query from pg_stat_activity where pid = any($1::int[])",
            [waiting.map((row) => row.pid)],
          );
          // Terminated before it is checked: only this test's statement can wait on this key, and a failed check must not leave it blocking the cleanup.
          const { rows: done } = await owner.query<{ ok: boolean }>(
            "select pg_terminate_backend(pid) as ok from unnest($1::int[]) pid",
            [waiting.map((row) => row.pid)],
          );
          expect(done).toEqual(waiting.map(() => ({ ok: true })));
          expect(rows).toHaveLength(1);
          expect(rows[0].usename).toBe("admin_backend");
          expect(rows[0].query).toMatch(statement);
          return rows[0].pid;
        }
        if (call.settled())
          throw new Error("the call ended before it reached the row that waits on the lock");
        if (Date.now() > deadline) throw new Error("no backend ever waited on the lock");
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    async release() {
      try {
        await holder.query("select pg_advisory_unlock($1)", [key]);
      } finally {
        holder.release();
      }
    },
  };
}

/** The SQL text each bulk action runs, as pg_stat_activity shows it. */
export const BULK_STATEMENT: Record<BulkAction, RegExp> = {
  complete: /^with changed as \(update todos t set is_complete/,
  reopen: /^with changed as \(update todos t set is_complete/,
  reassign: /^\s*with moved as \(update todos t set user_id/,
  delete: /^with changed as \(delete from todos t/,
};
