/** A column of `DataTable.vue`. */
export interface Column {
  key: string;
  /** The header, and on phones the label above the cell. */
  label: string;
  /** Numbers: right-aligned, tabular figures. */
  num?: boolean;
  /**
   * Its place in the phone card: `title` heads the card (no label), `wide` spans its width,
   * `actions` ends it (buttons, no label). Default: half the card's width, under its label.
   */
  phone?: 'title' | 'wide' | 'actions';
  /** The cell names its row (`<th scope="row">`). */
  rowHeader?: boolean;
  /** The header is for screen readers only (an actions column). */
  hideLabel?: boolean;
  cellClass?: string;
  headerClass?: string;
}
