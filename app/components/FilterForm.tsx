import { Form, Link, useNavigation } from "@remix-run/react";
import type { ReactNode } from "react";

/**
 * A GET form whose fields live in the URL, with or without JavaScript: shared by /todos and /audit.
 * Fields ring on focus within: a date field's calendar button is a tab stop of its own, inside the field.
 */
export const FIELD_CLASS =
  "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm focus:outline-none focus-within:border-indigo-500 focus-within:ring-2 focus-within:ring-indigo-200";

export function FilterForm({
  path,
  label,
  children,
}: {
  path: string;
  label: string;
  children: ReactNode;
}) {
  const navigation = useNavigation();
  const loading = navigation.state === "loading" && navigation.location.pathname === path;
  return (
    <Form
      method="get"
      action={path}
      className="grid grid-cols-2 items-end gap-3 rounded-lg border border-slate-200 bg-white p-3 shadow-sm sm:flex sm:flex-wrap"
      aria-label={label}
    >
      {children}
      <button
        type="submit"
        className="rounded-md bg-slate-800 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-900"
      >
        {loading ? "Filtering…" : "Apply"}
      </button>
      <Link to={path} className="justify-self-start py-1.5 text-sm text-slate-600 hover:underline">
        Clear
      </Link>
    </Form>
  );
}

export function FilterField({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label className="flex min-w-0 flex-col text-xs font-medium text-slate-600">
      {label}
      {children}
    </label>
  );
}

/** The options of an enumeration, in its order, each with its label. */
export const optionsOf = <V extends string>(
  values: readonly V[],
  labels: Record<V, string>,
): [value: string, text: string][] => values.map((value) => [value, labels[value]]);

export function SelectField({
  label,
  name,
  value,
  options,
}: {
  label: string;
  name: string;
  value: string;
  options: [value: string, text: string][];
}) {
  return (
    <FilterField label={label}>
      <select name={name} defaultValue={value} className={FIELD_CLASS}>
        {options.map(([optionValue, text]) => (
          <option key={optionValue} value={optionValue}>
            {text}
          </option>
        ))}
      </select>
    </FilterField>
  );
}
