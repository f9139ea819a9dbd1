import type { Member } from "../../db/directory/people.server";
import { FIELD_CLASS, FilterField, FilterForm, SelectField } from "./FilterForm";
import { MemberSelect } from "./MemberSelect";

export interface FilterValues {
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
        options={[
          ["", "Any"],
          ["open", "Open"],
          ["complete", "Complete"],
        ]}
      />
      <SelectField
        label="Verdict"
        name="verdict"
        value={values.verdict ?? ""}
        options={[
          ["", "Any"],
          ["unreviewed", "Unreviewed"],
          ["approved", "Approved"],
          ["flagged", "Flagged"],
        ]}
      />
      <SelectField
        label="Sort"
        name="sort"
        value={values.sort}
        options={[
          ["newest", "Newest first"],
          ["oldest", "Oldest first"],
        ]}
      />
    </FilterForm>
  );
}
