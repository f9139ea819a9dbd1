import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createFixture,
  formatMeasurements,
  measureRoutes,
  observeDatabase,
  ROUTE_CASES,
  clip,
  type Fixture,
  type Measurement,
  type ObservedDatabase,
} from "../testing/round-trips";

/**
 * The round-trip contract, counted at a proxy of its own in front of the
 * test database: every read loader reaches Postgres in at most 2 round
 * trips, every action in at most 3 (BEGIN, claims and COMMIT included).
 */

let observed: ObservedDatabase;
let fixture: Fixture;
let measured: Measurement[] = [];

beforeAll(async () => {
  observed = await observeDatabase();
  try {
    fixture = await createFixture();
    measured = await measureRoutes(observed.counter, fixture);
  } finally {
    console.log(
      `round trips per call (warm pools, counted at the proxy):\n${formatMeasurements(measured)}`,
    );
  }
});

afterAll(async () => {
  await fixture?.cleanUp();
  await observed?.close();
});

const cases = ROUTE_CASES.flatMap((routeCase) =>
  routeCase.callers.map((caller) => ({ route: routeCase.name, caller })),
);
const find = (route: string, caller: string) =>
  measured.find((m) => m.route === route && m.caller === caller)!;

describe("the measurement itself", () => {
  it("measured every route as every caller allowed to call it", () => {
    expect(measured.map((m) => `${m.route} as ${m.caller}`)).toEqual(
      cases.map((c) => `${c.route} as ${c.caller}`),
    );
  });

  it("saw each call do its work (a refused call would pass with too few round trips)", () => {
    expect(
      measured
        .filter((m) => m.status !== m.expectedStatus)
        .map((m) => `${m.route} as ${m.caller}: ${m.status}`),
    ).toEqual([]);
  });

  it("counted no connection start-up inside a call, and saw the database reached", () => {
    expect(
      measured.filter((m) => m.window.connections > 0).map((m) => `${m.route} as ${m.caller}`),
    ).toEqual([]);
    expect(measured.filter((m) => m.kind === "action" && m.window.roundTrips === 0)).toEqual([]);
  });
});

describe("round trips per call", () => {
  it.each(cases)("$route as $caller", ({ route, caller }) => {
    const m = find(route, caller);
    const statements = m.window.statements
      .map((s) => `  rt ${s.roundTrip}: ${clip(s.sql)}`)
      .join("\n");
    expect(
      m.window.roundTrips,
      `${m.window.roundTrips} round trips, ${m.window.statements.length} statements:\n${statements}\n`,
    ).toBeLessThanOrEqual(m.limit);
  });
});
