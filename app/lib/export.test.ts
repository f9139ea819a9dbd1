import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRolePools } from "../../db/pools.server";
import type { ScopedTx } from "../../db/scoped.server";
import type { Identity } from "../../roles/identity";
import { requireIdentity } from "../auth/request.server";
import { action as signOut } from "../routes/sign-out";
import { args, formPost, settle, signInAs, URL_BASE } from "../testing/routes";
import { streamExport } from "./export.server";

/**
 * The stream itself, over the real scoped path: numbers stand in for rows,
 * read by Postgres as the caller, and every chunk's read is counted.
 */

const ROWS = 10;
let identity: Identity;
let cookie: string;

beforeAll(async () => {
  cookie = await signInAs("user_alice");
  identity = await requireIdentity(
    args(new Request(`${URL_BASE}/todos`, { headers: { Cookie: cookie } })),
  );
});

afterAll(closeRolePools);

/** An export of 1..ROWS in chunks of 3, counting the chunks read, each with the database role that read it. */
function numbers() {
  const reads: string[] = [];
  const read = async (tx: ScopedTx, after: number | null, limit: number) => {
    const { rows } = await tx.execute<{ n: number; role: string }>(
      sql`select g as n, current_user as role from generate_series(${(after ?? 0) + 1}::int, ${ROWS}::int) g order by g limit ${limit + 1}`,
    );
    reads.push(rows[0]?.role ?? "none");
    const chunk = rows.slice(0, limit);
    return { rows: chunk, next: rows.length > limit ? chunk[chunk.length - 1].n : null };
  };
  const response = () =>
    streamExport<{ n: number }, number>(identity, {
      name: "todos",
      format: "csv",
      columns: { n: (row) => row.n },
      read,
      chunkRows: 3,
    });
  return { reads, response };
}

const decode = (chunk: Uint8Array | undefined) => new TextDecoder().decode(chunk);

describe("streamExport", () => {
  it("reads the first chunk before answering and each further one only when the body is pulled", async () => {
    const { reads, response } = numbers();
    const body = (await response()).body!.getReader();
    expect(reads).toEqual(["authenticated_backend"]);
    expect(decode((await body.read()).value)).toBe("n\r\n1\r\n2\r\n3\r\n");
    expect(reads).toHaveLength(1);
    expect(decode((await body.read()).value)).toBe("4\r\n5\r\n6\r\n");
    expect(reads).toHaveLength(2);
    expect(decode((await body.read()).value)).toBe("7\r\n8\r\n9\r\n");
    expect(decode((await body.read()).value)).toBe("10\r\n");
    expect(await body.read()).toEqual({ done: true, value: undefined });
    // Every chunk its own read as the caller; none past the end.
    expect(reads).toEqual(Array(4).fill("authenticated_backend"));
  });

  it("reads nothing more once the body is cancelled (the client went away)", async () => {
    const { reads, response } = numbers();
    const body = (await response()).body!.getReader();
    await body.read();
    await body.read();
    await body.cancel();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(reads).toHaveLength(2);
  });

  it("answers an ended session with 401 before the first byte, and cuts a started export short", async () => {
    const { reads, response } = numbers();
    const body = (await response()).body!.getReader();
    await body.read();
    const ended = await signOut(args(formPost("/sign-out", {}, cookie)));
    expect(ended.status).toBe(303);
    await expect(body.read()).rejects.toThrow("export cut short: a chunk was answered 401");
    const { thrown, response: refused } = await settle(response);
    expect([thrown, refused.status]).toEqual([true, 401]);
    expect(reads).toHaveLength(1);
  });
});
