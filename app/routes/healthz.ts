import { rolePool } from "../../db/pools.server";
import { isDatabaseUnavailable } from "../../db/availability";
import { jsonResponse } from "../lib/responses.server";

/** 200 when the database answers, 503 when not. Asks as the least privileged role, with no claims. */
export async function loader() {
  try {
    await rolePool("authenticated_backend").pool.query("select 1");
    return jsonResponse({ status: "ok" }, { headers: { "Cache-Control": "no-store" } });
  } catch (error) {
    if (!isDatabaseUnavailable(error)) console.error(error);
    return jsonResponse(
      { status: "unavailable" },
      { status: 503, headers: { "Cache-Control": "no-store" } },
    );
  }
}
