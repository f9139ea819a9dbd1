import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { authMode } from "../auth/mode.server";
import { clearLocalSession } from "../auth/session.server";

export const loader = () => {
  throw new Response("Not found", { status: 404 });
};

export async function action({ request }: ActionFunctionArgs) {
  if (authMode() === "clerk") throw new Response("Not found", { status: 404 });
  return redirect("/sign-in", { headers: { "Set-Cookie": await clearLocalSession(request) } });
}
