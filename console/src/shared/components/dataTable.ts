/** The data half of `DataTable.vue`: its columns, its footer, and the pure rules it renders by. */
import type { ApiError } from '@/api/http';
import { plural } from '@/shared/plural';

/** A column of `DataTable.vue`. `Row` is the row's type, for `format`. */
export interface Column<Row = unknown> {
  /** Names the row's field shown by default, and the cell's slot (`#cell-<key>`). */
  key: string;
  /** The header, and on phones the label above the cell. */
  label: string;
  /** Numbers: right-aligned, tabular figures (cells and header). Default: left-aligned text. */
  num?: boolean;
  /**
   * The cell's text, when no `#cell-<key>` slot renders it (a slot wins). Default: the row's
   * `key` field as text, "—" when it is null or absent.
   */
  format?: (row: Row) => string;
  /**
   * Its place in the phone card: `title` heads the card (no label), `wide` spans its width,
   * `actions` ends it (buttons, no label). Default: half the card's width, under its label.
   * Only the `cards` layout has phone cards.
   */
  phone?: 'title' | 'wide' | 'actions';
  /** The cell names its row (`<th scope="row">`). */
  rowHeader?: boolean;
  /** The header is for screen readers only (an actions column). */
  hideLabel?: boolean;
  cellClass?: string;
  headerClass?: string;
}

/**
 * How the table is laid out:
 * - `cards`: a framed table that becomes one card per row under 720 px (the list screens);
 * - `framed`: a framed table that scrolls sideways in its frame on phones (a wide data table);
 * - `plain`: the table alone, no frame, no phone cards (a table inside a card or a row).
 */
export type TableLayout = 'cards' | 'framed' | 'plain';

/** A cursor-paged list's next page: the footer under the table (`LoadMore.vue`). */
export interface MorePages {
  /** The API gave a cursor: a "Load more" button is shown. */
  hasMore: boolean;
  /** The next page is on its way: the button is disabled and says "Loading…". */
  loading: boolean;
  /** The last next-page request failed: an alert with its message and "Try again". */
  error?: ApiError | null;
  /** With no next page, the footer says "End of the list: 3 <noun>s." (nothing without a noun). */
  noun?: string;
  /** Also asks for the next page when the list's foot scrolls into view (an endless list). */
  auto?: boolean;
}

/** What a cell shows when no slot renders it: `format(row)`, else the field as text, else "—". */
export function cellText<Row>(row: Row, column: Column<Row>): string {
  if (column.format) return column.format(row);
  const value = (row as Record<string, unknown>)[column.key];
  return value === null || value === undefined ? '—' : String(value);
}

/** The footer's closing words for a fully read list of `count` rows: "End of the list: 1 event.". */
export function endOfList(count: number, noun: string | undefined): string | undefined {
  return noun === undefined ? undefined : `End of the list: ${plural(count, noun)}.`;
}

/**
 * Where ArrowUp/ArrowDown moves focus among `count` same-column controls, from `index`: one step,
 * held at the first and the last (focus never leaves the list). `null` when `index` is not one of
 * them (the key is left to the browser).
 */
export function arrowTarget(index: number, count: number, key: string): number | null {
  if (index < 0 || index >= count) return null;
  if (key === 'ArrowDown') return Math.min(count - 1, index + 1);
  if (key === 'ArrowUp') return Math.max(0, index - 1);
  return null;
}
