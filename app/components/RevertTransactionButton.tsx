import { Form, useLocation, useNavigation } from "@remix-run/react";
import { useState } from "react";

interface RevertTransactionButtonProps {
  tx: number;
  back: string;
}

/**
 * "Revert this transaction" on the audit log. Reverting can touch thousands
 * of rows, so it asks first: with JavaScript, a second click confirms; without
 * it, the form posts straight away and the database still refuses anything
 * the admin could not have changed by hand, or that changed since.
 */
export function RevertTransactionButton({ tx, back }: RevertTransactionButtonProps) {
  const [asking, setAsking] = useState(false);
  const navigation = useNavigation();
  // Whatever the answer, the page it lands on asks afresh.
  const { key } = useLocation();
  const [askedAt, setAskedAt] = useState(key);
  if (askedAt !== key) {
    setAskedAt(key);
    setAsking(false);
  }
  const pending =
    navigation.state !== "idle" &&
    navigation.formAction === "/revert" &&
    navigation.formData?.get("tx") === String(tx);
  return (
    <Form
      method="post"
      action="/revert"
      className="flex items-center gap-2"
      onSubmit={(event) => (asking ? undefined : (event.preventDefault(), setAsking(true)))}
    >
      <input type="hidden" name="tx" value={tx} />
      <input type="hidden" name="back" value={back} />
      {asking ? (
        <span className="text-slate-600">Put back everything transaction {tx} changed?</span>
      ) : null}
      <button
        type="submit"
        disabled={pending}
        className="rounded border border-slate-300 bg-white px-2 py-0.5 text-slate-700 hover:bg-slate-50 disabled:opacity-50"
      >
        {pending ? "Reverting…" : asking ? "Yes, revert it" : "Revert this transaction"}
      </button>
      {asking ? (
        <button type="button" onClick={() => setAsking(false)} className="text-slate-500 underline">
          Cancel
        </button>
      ) : null}
    </Form>
  );
}
