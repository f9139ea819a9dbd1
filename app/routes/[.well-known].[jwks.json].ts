import { localJwks } from "../auth/local-idp.server";
import { authMode } from "../config.server";
import { jsonResponse } from "../lib/responses.server";

/** The local identity provider's public keys. In Clerk mode, Clerk publishes its own. */
export async function loader() {
  if (authMode() === "clerk") throw new Response("Not found", { status: 404 });
  return jsonResponse(await localJwks(), { headers: { "Cache-Control": "public, max-age=300" } });
}
