import type { Member } from "../../db/directory/people.server";
import {
  SORTS,
  TODO_STATUSES,
  VERDICT_FILTERS,
  type Sort,
  type TodoStatus,
  type VerdictFilter,
} from "../../db/limits";
import { FIELD_CLASS, FilterField, FilterForm, optionsOf, SelectField } from "./FilterForm";
import { MemberSelect } from "./MemberSelect";

const STATUS_LABELS: Record<TodoStatus, string> = { open: "Open", complete: "Complete" };
const VERDICT_LABELS: Record<VerdictFilter, string> = {
  unreviewed: "Unreviewed",
  approved: "Approved",
  flagged: "Flagged",
};
const SORT_LABELS: Record<Sort, string> = { newest: "Newest first", oldest: "Oldest first" };

interface FilterValues {
  owner?: string;
  status?: string;
  verdict?: string;
  q?: string;
  sort: string;
}

export function TodoFilters({
  values,
  showOwner,
  members,
}: {
  values: FilterValues;
  showOwner: boolean;
  members: Member[];
}) {
  return (
    <FilterForm path="/todos" label="Filter todos">
      <FilterField label="Search">
        <input
          type="search"
          name="q"
          defaultValue={values.q ?? ""}
          placeholder="Task contains…"
          className={FIELD_CLASS}
        />
      </FilterField>
      {showOwner ? (
        <FilterField label="Owner">
          <MemberSelect
            name="owner"
            members={members}
            emptyLabel="Anyone"
            defaultValue={values.owner ?? ""}
            className={FIELD_CLASS}
          />
        </FilterField>
      ) : null}
      <SelectField
        label="Status"
        name="status"
        value={values.status ?? ""}
        options={[["", "Any"], ...optionsOf(TODO_STATUSES, STATUS_LABELS)]}
      />
      <SelectField
        label="Verdict"
        name="verdict"
        value={values.verdict ?? ""}
        options={[["", "Any"], ...optionsOf(VERDICT_FILTERS, VERDICT_LABELS)]}
      />
      <SelectField
        label="Sort"
        name="sort"
        value={values.sort}
        options={optionsOf(SORTS, SORT_LABELS)}
      />
    </FilterForm>
  );
}
