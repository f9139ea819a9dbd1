import { useCallback, useState } from "react";
import type { RowSelection } from "./TodoItem";

/**
 * Checkbox selection over the rows of one page: click toggles a row,
 * shift-click extends from the last clicked row, and the page can be
 * selected whole. New loader data (another page, or after any change)
 * starts a fresh selection.
 */
export function useRowSelection<T>(ids: number[], resetOn: T) {
  const [selected, setSelected] = useState<ReadonlySet<number>>(() => new Set());
  const [anchor, setAnchor] = useState<number | null>(null);
  const [shownFor, setShownFor] = useState(resetOn);
  if (shownFor !== resetOn) {
    setShownFor(resetOn);
    setSelected(new Set());
    setAnchor(null);
  }

  const selectionFor = useCallback(
    (index: number, id: number): RowSelection => ({
      checked: selected.has(id),
      onChange(checked, extend) {
        const from = extend && anchor !== null ? Math.min(anchor, index) : index;
        const to = extend && anchor !== null ? Math.max(anchor, index) : index;
        setSelected((previous) => {
          const next = new Set(previous);
          for (const rowId of ids.slice(from, to + 1)) {
            if (checked) next.add(rowId);
            else next.delete(rowId);
          }
          return next;
        });
        setAnchor(index);
      },
    }),
    [ids, selected, anchor],
  );

  return {
    count: selected.size,
    selectionFor,
    allSelected: ids.length > 0 && ids.every((id) => selected.has(id)),
    selectAll: (checked: boolean) => setSelected(checked ? new Set(ids) : new Set()),
  };
}
