/**
 * Keyset pages, for every list. A list reads `limit + 1` rows past its
 * cursor: in its own order when walking forward (`after`, or from the
 * start), in the reverse order when walking back (`before`), so an index
 * serves both and the extra row says whether more lie that way.
 */

interface KeysetQuery<C> {
  after?: C;
  before?: C;
}

export interface KeysetPage<Row, C> {
  rows: Row[];
  next: C | null;
  previous: C | null;
}

/** Walking back: a `before` cursor alone (a URL with both is refused before it gets here). */
export const isBackwards = (query: KeysetQuery<unknown>): boolean =>
  query.after === undefined && query.before !== undefined;

/**
 * The page in the list's order, from the rows read as above, with the
 * cursors of its neighbours. Walking back, there is always a next page
 * (the one we came from); walking forward, a previous one whenever we
 * started after some row.
 */
export function keysetPage<Row, C>(
  rows: Row[],
  limit: number,
  query: KeysetQuery<C>,
  cursorOf: (row: Row) => C,
): KeysetPage<Row, C> {
  const backwards = isBackwards(query);
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  if (backwards) page.reverse();
  const hasNext = backwards || more;
  const hasPrevious = backwards ? more : query.after !== undefined;
  return {
    rows: page,
    next: hasNext && page.length > 0 ? cursorOf(page[page.length - 1]) : null,
    previous: hasPrevious && page.length > 0 ? cursorOf(page[0]) : null,
  };
}
