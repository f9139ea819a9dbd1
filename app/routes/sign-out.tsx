import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { endLocalSession } from "../auth/local-session.server";
import { clearLocalSession } from "../auth/session.server";
import { authMode } from "../config.server";
import { requireMutation } from "../lib/edge.server";

export const loader = () => {
  throw new Response("Not found", { status: 404 });
};

/** Ends the server-side session, so a copy of the cookie is worthless, and clears the cookie. */
export async function action(args: ActionFunctionArgs) {
  if (authMode() === "clerk") throw new Response("Not found", { status: 404 });
  requireMutation(args.request);
  await endLocalSession(args);
  return redirect("/sign-in", {
    status: 303,
    headers: { "Set-Cookie": await clearLocalSession(args.request) },
  });
}
