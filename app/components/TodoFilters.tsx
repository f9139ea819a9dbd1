import { FIELD_CLASS, FilterField, FilterForm, SelectField } from "./FilterForm";

export interface FilterValues {
  owner?: string;
  status?: string;
  verdict?: string;
  q?: string;
  sort: string;
}

export function TodoFilters({ values, showOwner }: { values: FilterValues; showOwner: boolean }) {
  return (
    <FilterForm path="/todos" label="Filter todos">
      <FilterField label="Search">
        <input type="search" name="q" defaultValue={values.q ?? ""} placeholder="Task contains…" className={FIELD_CLASS} />
      </FilterField>
      {showOwner ? (
        <FilterField label="Owner">
          <input name="owner" defaultValue={values.owner ?? ""} placeholder="user_…" className={FIELD_CLASS} />
        </FilterField>
      ) : null}
      <SelectField label="Status" name="status" value={values.status ?? ""} options={[["", "Any"], ["open", "Open"], ["complete", "Complete"]]} />
      <SelectField
        label="Verdict"
        name="verdict"
        value={values.verdict ?? ""}
        options={[["", "Any"], ["unreviewed", "Unreviewed"], ["approved", "Approved"], ["flagged", "Flagged"]]}
      />
      <SelectField label="Sort" name="sort" value={values.sort} options={[["newest", "Newest first"], ["oldest", "Oldest first"]]} />
    </FilterForm>
  );
}
