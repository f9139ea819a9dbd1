import { json } from "@remix-run/node";
import { rolePool } from "../../db/pools.server";
import { isDatabaseUnavailable } from "../../db/availability";

/** 200 when the database answers, 503 when not. Asks as the least privileged role, with no claims. */
export async function loader() {
  try {
    await rolePool("authenticated_backend").pool.query("select 1");
    return json({ status: "ok" }, { headers: { "Cache-Control": "no-store" } });
  } catch (error) {
    if (!isDatabaseUnavailable(error)) console.error(error);
    return json(
      { status: "unavailable" },
      { status: 503, headers: { "Cache-Control": "no-store" } },
    );
  }
}
