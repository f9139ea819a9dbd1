import { afterAll, expect, it } from "vitest";
import { createPool } from "./driver";
import { NativeScramClient } from "./scram";

const url = process.env.DATABASE_AUTHENTICATED_URL!;
const pools: ReturnType<typeof createPool>[] = [];
afterAll(() => Promise.all(pools.map((pool) => pool.end())));

const poolFor = (connectionString: string) => {
  const pool = createPool(connectionString, { max: 1 });
  pools.push(pool);
  return pool;
};

it("signs in with SCRAM-SHA-256 through the native derivation", async () => {
  const client = await poolFor(url).connect();
  try {
    expect(client).toBeInstanceOf(NativeScramClient);
    const { rows } = await client.query("select current_user as role");
    expect(rows[0].role).toBe("authenticated_backend");
  } finally {
    client.release();
  }
});

it("is refused with a wrong password, as the driver's own exchange is", async () => {
  const wrong = new URL(url);
  wrong.password = `${wrong.password}x`;
  await expect(poolFor(wrong.toString()).connect()).rejects.toMatchObject({ code: "28P01" });
});
