/**
 * DataTable on its own: columns as data, cell slots, the loading/error/empty states, the load-more
 * footer, drill-in rows with arrow keys, and the three layouts. The screens' own tests check it
 * inside each view; these pin the contract every view relies on.
 */
import { mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { h, type Component } from 'vue';
import { apiError } from '@/testing/fakeHttp';
import DataTable from './DataTable.vue';
import LoadMore from './LoadMore.vue';
import { arrowTarget, cellText, endOfList, type Column, type MorePages } from './dataTable';

interface Item {
  id: string;
  name: string;
  count: number;
  note: string | null;
}

const items: Item[] = [
  { id: 'a', name: 'Alpha', count: 1200, note: 'first' },
  { id: 'b', name: 'Beta', count: 7, note: null },
];

const columns: Column<Item>[] = [
  { key: 'name', label: 'Name', phone: 'title', rowHeader: true },
  { key: 'count', label: 'Count', num: true, format: (i) => new Intl.NumberFormat('en').format(i.count) },
  { key: 'note', label: 'Note', phone: 'wide' },
  { key: 'actions', label: 'Actions', hideLabel: true, phone: 'actions', cellClass: 'actions' },
];

let wrapper: VueWrapper | undefined;
afterEach(() => {
  wrapper?.unmount();
  wrapper = undefined;
  document.body.replaceChildren();
});

/** Mounts a table of `items` with `props` and `slots` on top of the defaults. */
function table(props: Record<string, unknown> = {}, slots: Record<string, unknown> = {}): VueWrapper {
  // DataTable is generic over its row type; mounted here with loose props on purpose.
  wrapper = mount(DataTable as unknown as Component, {
    attachTo: document.body,
    props: { columns, rows: items, rowKey: (i: Item) => i.id, caption: 'Items', ...props },
    slots,
  }) as VueWrapper;
  return wrapper;
}

const texts = (w: VueWrapper, selector: string) => w.findAll(selector).map((e) => e.text());

describe('columns as data', () => {
  test('headers in column order; the caption for screen readers; an actions header hidden but named', () => {
    const w = table();
    expect(w.find('caption').text()).toBe('Items');
    expect(w.find('caption').classes()).toContain('visually-hidden');
    expect(texts(w, 'thead th')).toEqual(['Name', 'Count', 'Note', 'Actions']);
    expect(w.findAll('thead th').every((th) => th.attributes('scope') === 'col')).toBe(true);
    expect(w.findAll('thead th')[3]!.find('span.visually-hidden').text()).toBe('Actions');
  });

  test('cells: format, else the field as text, "—" for null; a row-header column is <th scope="row">', () => {
    const w = table();
    const rows = w.findAll('tbody tr');
    expect(rows).toHaveLength(2);
    expect(rows[0]!.find('th').attributes('scope')).toBe('row');
    expect(rows[0]!.find('th').text()).toBe('Alpha');
    expect(texts(w, 'tbody tr:first-child td')).toEqual(['1,200', 'first', '—']);
    expect(texts(w, 'tbody tr:last-child td')).toEqual(['7', '—', '—']);
  });

  test('numbers are right-aligned in header and cells (`num`); cellClass is kept', () => {
    const w = table();
    expect(w.findAll('thead th')[1]!.classes()).toContain('num');
    expect(w.findAll('tbody tr')[0]!.findAll('td')[0]!.classes()).toContain('num');
    expect(w.findAll('tbody tr')[0]!.findAll('td')[2]!.classes()).toContain('actions');
  });

  test('a cell slot wins over format and text, and renders even nothing', () => {
    const w = table(
      {},
      {
        'cell-count': ({ row }: { row: Item }) => h('strong', `${row.count} items`),
        'cell-actions': ({ row }: { row: Item }) =>
          row.id === 'a' ? h('button', { type: 'button' }, `Remove ${row.name}`) : [],
      },
    );
    expect(w.findAll('tbody tr')[0]!.find('td strong').text()).toBe('1200 items');
    expect(w.findAll('tbody tr')[0]!.find('td.actions button').text()).toBe('Remove Alpha');
    // An empty slot is an empty cell, not a dash.
    expect(w.findAll('tbody tr')[1]!.find('td.actions').text()).toBe('');
  });

  test('row classes and attributes come from the row; after-row adds rows spanning every column', () => {
    const w = table(
      {
        rowClass: (i: Item) => ({ highlighted: i.count > 100 }),
        rowAttrs: (i: Item) => ({ 'data-item': i.id }),
      },
      {
        'after-row': ({ row, colspan }: { row: Item; colspan: number }) =>
          row.id === 'b' ? h('tr', { class: 'subrow' }, [h('td', { colspan }, 'details of b')]) : [],
      },
    );
    const rows = w.findAll('tbody tr');
    expect(rows.map((r) => r.attributes('data-item') ?? null)).toEqual(['a', 'b', null]);
    expect(rows[0]!.classes()).toContain('highlighted');
    expect(rows[1]!.classes()).not.toContain('highlighted');
    expect(rows[2]!.find('td').attributes('colspan')).toBe('4');
  });
});

describe('layouts', () => {
  test('cards (the default): a framed table whose cells carry their label for the phone cards', () => {
    const w = table({ class: 'mine', 'data-testid': 'items' });
    const frame = w.find('.table-wrap');
    // Attributes go to the table's frame, as on a plain element.
    expect(frame.classes()).toEqual(expect.arrayContaining(['table-wrap', 'data-table-wrap', 'mine']));
    expect(frame.attributes('data-testid')).toBe('items');
    expect(w.find('table').classes()).toEqual(['table', 'data-table']);
    const cells = w.findAll('tbody tr')[0]!.findAll('th, td');
    expect(cells.map((c) => c.attributes('data-label') ?? null)).toEqual([null, 'Count', 'Note', null]);
    expect(cells.map((c) => c.classes().find((k) => k.startsWith('cell-')) ?? null)).toEqual([
      'cell-title',
      null,
      'cell-wide',
      'cell-actions',
    ]);
  });

  test('framed: the frame, no phone cards; compact cells', () => {
    const w = table({ layout: 'framed', compact: true });
    expect(w.find('.table-wrap').classes()).not.toContain('data-table-wrap');
    expect(w.find('table').classes()).toEqual(['table', 'table-compact']);
    expect(w.findAll('[data-label]')).toHaveLength(0);
    expect(w.findAll('[class*="cell-"]')).toHaveLength(0);
  });

  test('plain: the table alone with its own class; a hidden header row still names the columns', () => {
    const w = table({ layout: 'plain', headerHidden: true, tableClass: 'ranked', class: 'outer' });
    expect(w.find('.table-wrap').exists()).toBe(false);
    expect(w.find('.outer > table').classes()).toEqual(['table', 'ranked']);
    expect(w.find('thead').classes()).toContain('visually-hidden');
    expect(texts(w, 'thead th')).toEqual(['Name', 'Count', 'Note', 'Actions']);
  });
});

describe('states', () => {
  test('without a status the table is shown as it is, with no state wrapper', () => {
    const w = table();
    expect(w.find('.async-state').exists()).toBe(false);
    expect(w.find('table').exists()).toBe(true);
  });

  test('loading: the loading text, busy, no table', () => {
    const w = table({ status: 'loading', loadingText: 'Loading items…' });
    expect(w.find('.async-state').attributes('aria-busy')).toBe('true');
    expect(w.find('[role="status"]').text()).toBe('Loading items…');
    expect(w.find('table').exists()).toBe(false);
  });

  test('an error says what failed, and Try again emits retry', async () => {
    const w = table({
      status: 'error',
      error: apiError(503, 'READ_MODEL_UNAVAILABLE', 'cannot be queried now', 'Loading items'),
    });
    const alert = w.find('[role="alert"]');
    expect(alert.text()).toContain('Loading items failed');
    expect(alert.text()).toContain('READ_MODEL_UNAVAILABLE, HTTP 503');
    expect(w.find('table').exists()).toBe(false);
    await alert.find('button').trigger('click');
    expect(w.emitted('retry')).toHaveLength(1);
  });

  test('a client error says what to change, with no Try again: the same request would get the same answer', () => {
    const w = table({
      status: 'error',
      error: apiError(
        400,
        'HTTP_400',
        "steps.0.page: '/pricing?x=1' is a path, without a query",
        'Running the funnel',
      ),
    });
    const alert = w.find('[role="alert"]');
    expect(alert.find('.alert-detail').text().replace(/\s+/g, ' ')).toBe(
      "steps.0.page: '/pricing?x=1' is a path, without a query (HTTP 400)",
    );
    expect(alert.text()).not.toContain('HTTP_400');
    expect(alert.find('button').exists()).toBe(false);
  });

  test('keepContentOnError: the stale rows stay under the error', () => {
    const w = table({
      status: 'error',
      error: apiError(503, 'X', 'down', 'Refreshing'),
      keepContentOnError: true,
    });
    expect(w.find('[role="alert"]').exists()).toBe(true);
    expect(w.findAll('tbody tr')).toHaveLength(2);
  });

  test('empty: no rows and no next page shows the empty text, or the #empty slot', () => {
    expect(table({ status: 'ready', rows: [], emptyText: 'No items yet.' }).find('.empty').text()).toBe(
      'No items yet.',
    );
    wrapper!.unmount();
    const w = table(
      { status: 'ready', rows: [], emptyText: 'unused' },
      { empty: () => h('p', { class: 'why' }, 'Nothing matches.') },
    );
    expect(w.find('.empty .why').text()).toBe('Nothing matches.');
    expect(w.find('table').exists()).toBe(false);
  });

  test('no rows but a next page is not empty: the table and "Load more" are shown', () => {
    const w = table({ status: 'ready', rows: [], more: { hasMore: true, loading: false } });
    expect(w.find('.empty').exists()).toBe(false);
    expect(w.find('table').exists()).toBe(true);
    expect(w.find('.list-footer button').text()).toBe('Load more');
  });
});

describe('the load-more footer', () => {
  const more = (m: MorePages, extra: Record<string, unknown> = {}) =>
    table({ status: 'ready', more: m, ...extra });

  test('"Load more" emits more; while the page is on its way it is disabled and says so', async () => {
    let w = more({ hasMore: true, loading: false, noun: 'item' });
    await w.find('.list-footer button').trigger('click');
    expect(w.emitted('more')).toHaveLength(1);
    expect(w.text()).not.toContain('End of the list');
    w.unmount();
    w = more({ hasMore: true, loading: true });
    const button = w.find('.list-footer button');
    expect(button.text()).toBe('Loading…');
    expect(button.attributes('disabled')).toBeDefined();
  });

  test('the end of the list counts the rows with the right noun; without a noun it says nothing', () => {
    expect(more({ hasMore: false, loading: false, noun: 'item' }).find('.list-footer').text()).toBe(
      'End of the list: 2 items.',
    );
    wrapper!.unmount();
    expect(
      more({ hasMore: false, loading: false, noun: 'item' }, { rows: [items[0]] })
        .find('.list-footer')
        .text(),
    ).toBe('End of the list: 1 item.');
    wrapper!.unmount();
    expect(more({ hasMore: false, loading: false }).find('.list-footer').text()).toBe('');
  });

  test('a failed page: an alert with its message, and Try again asks for the page again', async () => {
    const w = more({
      hasMore: true,
      loading: false,
      error: apiError(0, 'NETWORK', 'the server did not answer', 'Loading more items'),
    });
    const alert = w.find('[role="alert"]');
    expect(alert.text()).toContain('Loading more items failed: the server did not answer');
    await alert.find('button').trigger('click');
    expect(w.emitted('more')).toHaveLength(1);
  });

  test('no footer without `more`', () => {
    expect(table({ status: 'ready' }).find('.list-footer').exists()).toBe(false);
  });

  test('after-table content follows the table and its footer', () => {
    const w = table(
      { status: 'ready', more: { hasMore: false, loading: false, noun: 'item' } },
      { 'after-table': () => h('p', { class: 'note' }, 'A note.') },
    );
    const children = [...w.find('.async-state').element.children].map((e) => e.className);
    expect(children).toEqual(['table-wrap data-table-wrap', 'list-footer', 'note']);
  });
});

describe('drill-in rows', () => {
  const openButtons = {
    'cell-name': ({ row }: { row: Item }) => h('button', { type: 'button', class: 'open' }, row.name),
  };

  test('clickable rows emit rowClick with their row, and have the clickable style', async () => {
    const w = table({ clickable: true }, openButtons);
    const rows = w.findAll('tbody tr');
    expect(rows.every((r) => r.classes().includes('clickable'))).toBe(true);
    await rows[1]!.findAll('td')[1]!.trigger('click');
    expect(w.emitted('rowClick')).toEqual([[items[1]]]);
  });

  test('rows that are not clickable emit nothing and look plain', async () => {
    const w = table();
    await w.findAll('tbody tr')[0]!.trigger('click');
    expect(w.emitted('rowClick')).toBeUndefined();
    expect(w.find('tbody tr').classes()).not.toContain('clickable');
  });

  test('ArrowDown/ArrowUp move focus to the same control one row away, held at both ends', async () => {
    const three = [...items, { id: 'c', name: 'Gamma', count: 3, note: null }];
    const w = table({ clickable: true, rows: three }, openButtons);
    const buttons = w.findAll('button.open');
    (buttons[0]!.element as HTMLElement).focus();
    await buttons[0]!.trigger('keydown', { key: 'ArrowUp' });
    expect(document.activeElement).toBe(buttons[0]!.element);
    await buttons[0]!.trigger('keydown', { key: 'ArrowDown' });
    expect(document.activeElement).toBe(buttons[1]!.element);
    await buttons[1]!.trigger('keydown', { key: 'ArrowDown' });
    await buttons[2]!.trigger('keydown', { key: 'ArrowDown' });
    expect(document.activeElement).toBe(buttons[2]!.element);
    await buttons[2]!.trigger('keydown', { key: 'ArrowUp' });
    expect(document.activeElement).toBe(buttons[1]!.element);
  });

  test('arrow keys are left alone in tables whose rows are not clickable', async () => {
    const w = table({}, openButtons);
    const buttons = w.findAll('button.open');
    (buttons[0]!.element as HTMLElement).focus();
    await buttons[0]!.trigger('keydown', { key: 'ArrowDown' });
    expect(document.activeElement).toBe(buttons[0]!.element);
  });
});

describe('LoadMore with auto', () => {
  /** A plain fake IntersectionObserver: the test says when the sentinel is in view. */
  function fakeObserver() {
    const made: Array<{
      callback: IntersectionObserverCallback;
      observed: Element[];
      /** Every observe() call, in order. */
      calls: Element[];
      options?: IntersectionObserverInit;
      disconnected: boolean;
    }> = [];
    class Fake {
      private readonly record;
      constructor(callback: IntersectionObserverCallback, options?: IntersectionObserverInit) {
        this.record = {
          callback,
          observed: [] as Element[],
          calls: [] as Element[],
          options,
          disconnected: false,
        };
        made.push(this.record);
      }
      observe(el: Element) {
        this.record.observed.push(el);
        this.record.calls.push(el);
      }
      unobserve(el: Element) {
        this.record.observed = this.record.observed.filter((e) => e !== el);
      }
      disconnect() {
        this.record.disconnected = true;
      }
    }
    vi.stubGlobal('IntersectionObserver', Fake);
    const inView = (n = 0) =>
      made[n]!.callback([{ isIntersecting: true } as IntersectionObserverEntry], {} as IntersectionObserver);
    return { made, inView };
  }

  afterEach(() => vi.unstubAllGlobals());

  test('the sentinel in view asks for the next page (400 px early), not while one is loading', async () => {
    const { made, inView } = fakeObserver();
    wrapper = mount(LoadMore, { props: { hasMore: true, loading: false, auto: true } });
    expect(made).toHaveLength(1);
    expect(made[0]!.options?.rootMargin).toBe('400px 0px');
    expect(made[0]!.observed).toEqual([wrapper.find('.sentinel').element]);
    inView();
    expect(wrapper.emitted('more')).toHaveLength(1);
    await wrapper.setProps({ loading: true });
    inView();
    expect(wrapper.emitted('more')).toHaveLength(1);
    await wrapper.setProps({ loading: false, hasMore: false });
    inView();
    expect(wrapper.emitted('more')).toHaveLength(1);
    wrapper.unmount();
    expect(made[0]!.disconnected).toBe(true);
    wrapper = undefined;
  });

  test('after a page arrives the sentinel is observed again, so one still in view asks again', async () => {
    const { made } = fakeObserver();
    wrapper = mount(LoadMore, { props: { hasMore: true, loading: true, auto: true } });
    const sentinel = wrapper.find('.sentinel').element;
    expect(made[0]!.calls).toEqual([sentinel]);
    await wrapper.setProps({ loading: false });
    expect(made[0]!.calls).toEqual([sentinel, sentinel]);
    expect(made[0]!.observed).toEqual([sentinel]);
    // No next page: nothing to ask for, the sentinel is left as it is.
    await wrapper.setProps({ loading: true, hasMore: false });
    await wrapper.setProps({ loading: false });
    expect(made[0]!.calls).toHaveLength(2);
  });

  test('without auto: no sentinel and no observer', () => {
    const { made } = fakeObserver();
    wrapper = mount(LoadMore, { props: { hasMore: true, loading: false } });
    expect(wrapper.find('.sentinel').exists()).toBe(false);
    expect(made).toHaveLength(0);
    expect(wrapper.find('.list-footer button').text()).toBe('Load more');
  });

  test('its own label, e.g. "Load more events"', () => {
    wrapper = mount(LoadMore, { props: { hasMore: true, loading: false, label: 'Load more events' } });
    expect(wrapper.find('.list-footer button').text()).toBe('Load more events');
  });
});

describe('the pure rules', () => {
  test('cellText: format, else the field, else a dash', () => {
    const col = (c: Partial<Column<Item>>): Column<Item> => ({ key: 'note', label: 'Note', ...c });
    expect(cellText(items[0]!, col({}))).toBe('first');
    expect(cellText(items[1]!, col({}))).toBe('—');
    expect(cellText(items[1]!, col({ key: 'missing' }))).toBe('—');
    expect(cellText(items[1]!, col({ key: 'count' }))).toBe('7');
    expect(cellText(items[1]!, col({ format: (i) => i.note ?? 'none' }))).toBe('none');
  });

  test('endOfList: the count with its noun, or nothing without a noun', () => {
    expect(endOfList(0, 'event')).toBe('End of the list: 0 events.');
    expect(endOfList(1, 'event')).toBe('End of the list: 1 event.');
    expect(endOfList(1234, 'session')).toBe('End of the list: 1,234 sessions.');
    expect(endOfList(3, undefined)).toBeUndefined();
  });

  test('arrowTarget: one step, held at the ends; other keys and unknown positions are not ours', () => {
    expect(arrowTarget(0, 3, 'ArrowDown')).toBe(1);
    expect(arrowTarget(2, 3, 'ArrowDown')).toBe(2);
    expect(arrowTarget(1, 3, 'ArrowUp')).toBe(0);
    expect(arrowTarget(0, 3, 'ArrowUp')).toBe(0);
    expect(arrowTarget(-1, 3, 'ArrowDown')).toBeNull();
    expect(arrowTarget(3, 3, 'ArrowDown')).toBeNull();
    expect(arrowTarget(1, 3, 'Enter')).toBeNull();
  });
});
