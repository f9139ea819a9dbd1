/**
 * Round trips to Postgres per route call, as each role allowed to make it:
 * every loader and action, called the way the route tests call them, on
 * warm pools, counted at a WebSocket proxy of its own in front of the
 * database (db/local/wire-counter.ts). Prints each call's statements by
 * round trip, then one report row per route and role over three rounds,
 * held to the contract: at most 2 for a loader, 3 for an action.
 *
 *   npm run bench:round-trips        (data in .data/bench-round-trips; demo data seeded)
 */
import { register } from "node:module";
import { closeRolePools } from "../db/pools.server";
import { seedDemoData } from "../db/seed";
import { startBenchDatabase } from "./embedded";
import { report, type BenchRow } from "./report";
import type { Measurement } from "../app/testing/round-trips";

// The routes reach the layout, which imports its stylesheet for the bundler; outside one it is nothing.
const emptyStylesheets = `export async function load(url, context, next) {
  return url.endsWith(".css") ? { format: "module", source: "export default '';", shortCircuit: true } : next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(emptyStylesheets)}`);
const { createFixture, formatMeasurements, measureRoutes, observeDatabase } =
  await import("../app/testing/round-trips");

const ROUNDS = 3;

const stack = await startBenchDatabase(".data/bench-round-trips");
try {
  await seedDemoData();
  const observed = await observeDatabase();
  const fixture = await createFixture();
  try {
    const rounds: Measurement[][] = [];
    for (let round = 0; round < ROUNDS; round++)
      rounds.push(await measureRoutes(observed.counter, fixture));
    console.log(
      `\n== statements and round trips per call (first round) ==\n${formatMeasurements(rounds[0], { statements: true })}`,
    );
    const rows: BenchRow[] = rounds[0].map((first, index) => ({
      name: `${first.route} as ${first.caller}`,
      samples: rounds.map((measured) => measured[index].window.roundTrips),
      unit: "round trips",
      target: { op: "≤", value: first.limit },
    }));
    const refused = rounds.flat().filter((m) => m.status !== m.expectedStatus);
    if (refused.length > 0)
      throw new Error(
        `calls that did not do their work: ${refused.map((m) => `${m.route} as ${m.caller} (${m.status})`).join(", ")}`,
      );
    report(rows);
  } finally {
    await fixture.cleanUp();
    await observed.close();
  }
} finally {
  await closeRolePools();
  await stack?.stop();
}
