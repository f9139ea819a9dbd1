import fc from "fast-check";
import { afterAll, expect, it } from "vitest";
import { runPipeline } from "./pipeline";
import { ownerPool } from "./testing/identities";

const owner = ownerPool();
afterAll(() => owner.end());

async function pipeline(...statements: Parameters<typeof runPipeline>[1]) {
  const client = await owner.connect();
  try {
    return await runPipeline(client, statements);
  } finally {
    client.release();
  }
}

it("answers every statement in order, rows as objects or (for drizzle) arrays", async () => {
  const [a, b, c] = await pipeline(
    { text: "select $1::int + 1 as n", values: [41] },
    { text: "select 1 as x, 2 as x", rowMode: "array" },
    { text: "select $1::text as t where false", values: ["none"] },
  );
  expect(a).toMatchObject({ command: "SELECT", rowCount: 1, rows: [{ n: 42 }] });
  expect(b.rows).toEqual([[1, 2]]);
  expect(c).toMatchObject({ rowCount: 0, rows: [] });
});

it("runs the statements in one transaction that ends at the Sync", async () => {
  const client = await owner.connect();
  try {
    const [, seen] = await runPipeline(client, [
      { text: "select set_config('warden.probe', $1, true)", values: ["inside"] },
      { text: "select current_setting('warden.probe', true) as probe" },
    ]);
    expect(seen.rows[0]).toMatchObject({ probe: "inside" });
    const after = await client.query("select current_setting('warden.probe', true) as probe");
    expect(after.rows[0].probe).toBe("");
  } finally {
    client.release();
  }
});

it("on an error runs nothing after it and rolls back what ran before it", async () => {
  await owner.query("create table if not exists pipeline_probe (v text)");
  const marker = `probe-${Date.now()}`;
  await expect(
    pipeline(
      { text: "insert into pipeline_probe values ($1)", values: [`${marker}-before`] },
      { text: "select 1 / $1::int", values: [0] },
      { text: "insert into pipeline_probe values ($1)", values: [`${marker}-after`] },
    ),
  ).rejects.toMatchObject({ code: "22012" });
  const { rows } = await owner.query(
    "select count(*)::int as n from pipeline_probe where v like $1",
    [`${marker}%`],
  );
  expect(rows[0].n).toBe(0);
  await owner.query("drop table pipeline_probe");
});

it("sends values as bind parameters: any string, array or date comes back as it went", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.string({ unit: "grapheme" }).filter((s) => !s.includes("\u0000")),
      fc.array(
        fc.string().filter((s) => !s.includes("\u0000")),
        { maxLength: 4 },
      ),
      fc.date({ min: new Date("1900-01-01"), max: new Date("2200-01-01"), noInvalidDate: true }),
      async (text, list, date) => {
        const [result] = await pipeline({
          text: "select $1::text as text, $2::text[] as list, $3::timestamptz as at, $4::jsonb as doc",
          values: [text, list, date, { text }],
        });
        expect(result.rows[0]).toEqual({ text, list, at: date, doc: { text } });
      },
    ),
    { numRuns: 60 },
  );
});

it("prepares each statement once per connection, and recovers the names a failed pipeline left half-made", async () => {
  const client = await owner.connect();
  try {
    const tag = `probe_${Date.now()}`;
    const a = { text: `select $1::text as a /* ${tag} a */`, values: ["x"] };
    const b = { text: `select $1::int as b /* ${tag} b */`, values: [1] };
    const preparedHere = async () =>
      (
        await client.query(
          "select statement from pg_prepared_statements where statement like $1 order by statement",
          [`%${tag}%`],
        )
      ).rows.map((row) => row.statement);
    // a is parsed and named; the error stops the pipeline before b is parsed.
    await expect(
      runPipeline(client, [a, { text: "select 1 / $1::int", values: [0] }, b]),
    ).rejects.toMatchObject({ code: "22012" });
    expect(await preparedHere()).toEqual([a.text]);
    // a runs from its prepared statement; b is prepared now.
    const [first, second] = await runPipeline(client, [a, b]);
    expect([first.rows, second.rows]).toEqual([[{ a: "x" }], [{ b: 1 }]]);
    expect(await preparedHere()).toEqual([a.text, b.text].sort());
    const [again] = await runPipeline(client, [{ ...a, values: ["y"] }]);
    expect(again.rows).toEqual([{ a: "y" }]);
  } finally {
    client.release();
  }
});
