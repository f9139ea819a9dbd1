import { SignIn } from "@clerk/remix";
import { getAuth } from "@clerk/remix/ssr.server";
import { redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { authMode } from "../config.server";

/** The local provider signs in at /sign-in; in Clerk mode this is where Clerk's sign-in lives. */
export async function loader(args: LoaderFunctionArgs) {
  if (authMode() !== "clerk") return redirect("/todos");
  const { userId } = await getAuth(args);
  if (userId) return redirect("/todos");
  return {};
}

export default function Index() {
  return (
    <div className="flex justify-center py-10">
      <SignIn routing="hash" forceRedirectUrl="/todos" />
    </div>
  );
}
