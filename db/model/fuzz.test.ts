import { describe, expect, it } from "vitest";
import { fuzz, type FuzzReport } from "./fuzz";
import type { Variant } from "./permissions";

/**
 * The model-based fuzzer against the real Postgres: 1,000 operations by
 * seventeen identities (the app's own, and forged pairings of claims and
 * connection roles), through the app's query functions and raw SQL, every
 * answer and every view compared with db/model/permissions.ts. A fixed
 * seed keeps `npm test` repeatable; `npm run fuzz` runs others.
 */

const SEED = 1_000_003;

/** The divergence itself, when there is one: the trace reads better in the failure than `expected null`. */
const failureOf = (report: FuzzReport) =>
  report.failure &&
  `${report.failure.message}\nreplay: npm run fuzz -- --seed ${report.seed} --path ${report.failure.path}`;

// Seconds on a machine of its own, minutes while the other workers' files share its CPUs.
const FUZZ_TIMEOUT = 900_000;

describe("the model and Postgres", () => {
  it(
    "agree on 1,000 operations",
    async () => {
      const report = await fuzz({ seed: SEED, ops: 1_000 });
      expect(failureOf(report)).toBeNull();
      expect(report.ops).toBeGreaterThanOrEqual(1_000);
    },
    FUZZ_TIMEOUT,
  );
});

/**
 * The comparison is real: a model that is wrong in one rule fails, with a
 * shrunk counterexample that replays from its seed and path.
 */
describe.each<[Variant, RegExp]>([
  // Only a member's raw INSERT without RETURNING shows it: RETURNING holds the row to the SELECT policy as well.
  ["members-insert-anywhere", /sql\.(insertTodo|copyTodos)/],
  ["no-separation-of-duties", /review|Review/],
])("a model with the wrong rule %s", (variant, culprit) => {
  it(
    "is caught, shrunk to the statements that matter, and replays",
    async () => {
      const options = { seed: SEED, ops: 600, opsPerRun: 10, checkEvery: 10, variant };
      const report = await fuzz(options);
      expect(report.failure).not.toBeNull();
      const { message, path } = report.failure!;
      expect(message).toMatch(/divergence at operation \d+: Postgres answered/);
      const lastStep = message
        .split("\n")
        .filter((line) => /^ {2}\d+\. /.test(line))
        .at(-1);
      expect(lastStep).toMatch(culprit);
      expect(
        report.failure!.counterexample.filter((plan) => plan !== null).length,
      ).toBeLessThanOrEqual(3);

      const replay = await fuzz({ ...options, path });
      const where = (text: string | undefined) =>
        text?.match(/divergence (at|after) operation \d+/)?.[0];
      expect(where(replay.failure?.message)).toBe(where(message));
    },
    FUZZ_TIMEOUT,
  );
});
