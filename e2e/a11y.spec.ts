import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { VISITORS, signInAs } from "./pages";

/**
 * axe-core on every page each role may open (and the states worth a look of
 * their own: a confirmation, a dialog, an empty list, an error), in the light
 * and the dark color scheme. No violation of impact serious or critical
 * passes; every count, whatever its impact, is printed as a table and
 * attached to the report as JSON, so the results can be quoted.
 */

const IMPACTS = ["critical", "serious", "moderate", "minor"] as const;
type Impact = (typeof IMPACTS)[number];
type Row = { visitor: string; page: string; scheme: "light" | "dark" } & Record<Impact, number>;

async function scan(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const counts = Object.fromEntries(
    IMPACTS.map((impact) => [
      impact,
      violations.filter((violation) => violation.impact === impact).length,
    ]),
  ) as Record<Impact, number>;
  const blocking = violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) =>
      [
        `${violation.impact}: ${violation.id} — ${violation.help}`,
        ...violation.nodes.map(
          (node) => `  ${node.target.join(" ")}: ${node.failureSummary?.split("\n")[1]?.trim()}`,
        ),
      ].join("\n"),
    );
  return { counts, blocking };
}

const table = (rows: Row[]) =>
  [
    `| page | scheme | ${IMPACTS.join(" | ")} |`,
    `|---|---|${IMPACTS.map(() => "---").join("|")}|`,
    ...rows.map(
      (row) =>
        `| ${row.page} | ${row.scheme} | ${IMPACTS.map((impact) => row[impact]).join(" | ")} |`,
    ),
  ].join("\n");

test.describe.configure({ timeout: 180_000 });

for (const visitor of VISITORS) {
  test(`${visitor.label}: no serious or critical axe violations, light and dark`, async ({
    page,
  }, testInfo) => {
    await signInAs(page, visitor);
    const rows: Row[] = [];
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const state of visitor.states) {
        await state.open(page);
        const { counts, blocking } = await scan(page);
        rows.push({ visitor: visitor.label, page: state.name, scheme, ...counts });
        expect.soft(blocking, `${state.name} (${scheme}) as ${visitor.label}`).toEqual([]);
      }
    }
    console.log(`\naxe, ${visitor.label}: violations by impact\n${table(rows)}\n`);
    await testInfo.attach(`axe-${visitor.label}.json`, {
      body: JSON.stringify(rows, null, 2),
      contentType: "application/json",
    });
    await testInfo.attach(`axe-${visitor.label}.md`, {
      body: table(rows),
      contentType: "text/markdown",
    });
  });
}
