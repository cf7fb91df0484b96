/**
 * The explorer as a user meets it: its state in the URL, cursor pages, the drawer, live mode, and
 * data that is only ever text.
 */
import { describe, expect, test } from 'vitest';
import type { HttpRequest } from '@/api/http';
import { apiError, createFakeHttp } from '@/testing/fakeHttp';
import { event, events, PROJECT_ID } from '@/testing/fixtures';
import { renderConsole, unmountAfterEach, type Rendered } from '@/testing/render';
import { waitFor } from '@/testing/waitFor';

const LIST = '/api/query/v1/events';
const base = `/p/${PROJECT_ID}/events`;
let r: Rendered | undefined;
unmountAfterEach();

function pages(first: ReturnType<typeof events>, second: ReturnType<typeof events>) {
  return (req: HttpRequest) =>
    req.query?.cursor === 'c2' ? { items: second, next_cursor: null } : { items: first, next_cursor: 'c2' };
}

describe('explorer', () => {
  test('asks for the first page with the filters of the URL, in the project of the URL', async () => {
    const fake = createFakeHttp().on('GET', LIST, { items: events(3), next_cursor: null });
    fake.on('GET', '/api/query/v1/event-names', {
      items: [{ event_name: 'signup', count: 3, last_seen: '2025-03-01T00:00:00Z' }],
    });
    r = await renderConsole(`${base}?event_name=signup&user_id=u-7&from=2025-03-01T00:00:00.000Z`, { fake });
    // Asked once: by the route, before the view's chunk arrived; the view reuses that request.
    expect(fake.callsTo('GET', LIST)).toHaveLength(1);
    const [call] = fake.callsTo('GET', LIST);
    expect(call?.query).toMatchObject({
      event_name: 'signup',
      user_id: 'u-7',
      from: '2025-03-01T00:00:00.000Z',
      limit: 50,
    });
    expect(call?.query?.cursor).toBeNull();
    expect(call?.headers).toEqual({ 'x-eventlens-project': PROJECT_ID });
    expect(r.wrapper.findAll('tbody tr[data-event-id]')).toHaveLength(3);
    // Known names are suggested.
    expect(r.wrapper.find('datalist option').attributes('value')).toBe('signup');
    expect((r.wrapper.find('#f-event-name').element as HTMLInputElement).value).toBe('signup');
  });

  test('loads the next page with the cursor, never a page number or an offset', async () => {
    const first = events(50);
    const second = events(7);
    const fake = createFakeHttp().on('GET', LIST, pages(first, second));
    r = await renderConsole(base, { fake });
    expect(r.wrapper.findAll('tbody tr[data-event-id]')).toHaveLength(50);
    await r.wrapper.find('.list-footer button').trigger('click');
    await r.settle();
    const calls = fake.callsTo('GET', LIST);
    expect(calls.map((c) => c.query?.cursor)).toEqual([null, 'c2']);
    expect(calls.every((c) => !('offset' in (c.query ?? {})) && !('page' in (c.query ?? {})))).toBe(true);
    expect(r.wrapper.findAll('tbody tr[data-event-id]')).toHaveLength(57);
    expect(r.wrapper.text()).toContain('End of the list: 57 events.');
  });

  test('applying filters puts them in the URL (a new history entry) and reloads', async () => {
    const fake = createFakeHttp().on('GET', LIST, { items: events(2), next_cursor: null });
    r = await renderConsole(base, { fake });
    await r.wrapper.find('#f-event-name').setValue('page_view');
    await r.wrapper.find('#f-session-id').setValue('s-9');
    await r.wrapper.find('form.filters').trigger('submit');
    await r.settle();
    expect(r.console.router.currentRoute.value.query).toEqual({ event_name: 'page_view', session_id: 's-9' });
    expect(fake.callsTo('GET', LIST).at(-1)?.query).toMatchObject({
      event_name: 'page_view',
      session_id: 's-9',
    });
    // Back: the unfiltered view again, asked again.
    r.console.router.back();
    await r.settle();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await r.settle();
    expect(r.console.router.currentRoute.value.query).toEqual({});
    expect(fake.callsTo('GET', LIST).at(-1)?.query?.event_name).toBeUndefined();
  });

  test('"To" includes its whole minute, as the dashboard’s custom range: to 23:59 is the whole day', async () => {
    localStorage.setItem('eventlens.timezone', 'Asia/Kolkata');
    try {
      const fake = createFakeHttp().on('GET', LIST, { items: events(2), next_cursor: null });
      r = await renderConsole(base, { fake });
      /** Types `from` and `to` in the range fields and applies the form. */
      const applyRange = async (from: string, to: string) => {
        await r!.wrapper.find('#f-from').setValue(from);
        await r!.wrapper.find('#f-to').setValue(to);
        await r!.wrapper.find('form.filters').trigger('submit');
        await r!.settle();
      };
      await applyRange('2025-03-01T00:00', '2025-03-01T23:59');
      // The explorer stops where the next minute starts: midnight in Kolkata, 18:30 UTC.
      const day = { from: '2025-02-28T18:30:00.000Z', to: '2025-03-01T18:30:00.000Z' };
      expect(r.console.router.currentRoute.value.query).toEqual(day);
      expect(fake.callsTo('GET', LIST).at(-1)?.query).toMatchObject(day);
      // The field still reads 23:59, the last minute the list includes.
      expect((r.wrapper.find('#f-to').element as HTMLInputElement).value).toBe('2025-03-01T23:59');
      // One minute is a range: from 10:00 to 10:00.
      await applyRange('2025-03-01T10:00', '2025-03-01T10:00');
      expect(r.console.router.currentRoute.value.query).toEqual({
        from: '2025-03-01T04:30:00.000Z',
        to: '2025-03-01T04:31:00.000Z',
      });
    } finally {
      localStorage.clear();
    }
  });

  test('a row opens the drawer with the full event as JSON; Esc closes it and focus returns to the row', async () => {
    const list = events(3, { metadata: { plan: 'pro', nested: { n: 1 } } });
    const fake = createFakeHttp().on('GET', LIST, { items: list, next_cursor: null });
    r = await renderConsole(base, { fake });
    const button = r.wrapper.findAll('button.row-open')[1]!;
    (button.element as HTMLElement).focus();
    await button.trigger('click');
    await r.settle();
    expect(r.console.router.currentRoute.value.query.event).toBe(list[1]!.event_id);
    const dialog = r.wrapper.find('[role="dialog"]');
    expect(dialog.exists()).toBe(true);
    expect(dialog.attributes('aria-modal')).toBe('true');
    expect(dialog.find('[data-testid="metadata"]').text()).toBe(JSON.stringify(list[1]!.metadata, null, 2));
    expect(dialog.element.contains(document.activeElement)).toBe(true);
    // Opened from the list: no extra request for the event.
    expect(fake.callsTo('GET', `${LIST}/:id`)).toHaveLength(0);

    await r.wrapper.find('.drawer').trigger('keydown', { key: 'Escape' });
    await r.settle();
    expect(r.wrapper.find('[role="dialog"]').exists()).toBe(false);
    expect(r.console.router.currentRoute.value.query.event).toBeUndefined();
    expect(document.activeElement).toBe(button.element);
  });

  test('the Page column is the event’s page as the reports name it, not the URL’s path and query', async () => {
    const list = [
      event({ url: 'https://a.dev/blog?x=1', page: '/blog' }),
      event({ url: 'https://a.dev/demo/app/#/settings', page: '/demo/app/#/settings' }),
      event({ url: null, page: null }),
    ];
    const fake = createFakeHttp().on('GET', LIST, { items: list, next_cursor: null });
    r = await renderConsole(base, { fake });
    const column = r.wrapper.findAll('thead th').findIndex((th) => th.text() === 'Page');
    const cells = r.wrapper.findAll('tbody tr[data-event-id]').map((tr) => tr.findAll('td')[column]!);
    expect(cells.map((td) => td.text())).toEqual(['/blog', '/demo/app/#/settings', '—']);
    // The full URL stays at hand: the cell's title, and the drawer.
    expect(cells[0]!.find('span').attributes('title')).toBe('https://a.dev/blog?x=1');
    await r.wrapper.findAll('button.row-open')[0]!.trigger('click');
    await r.settle();
    expect(r.wrapper.find('[role="dialog"]').text()).toContain('https://a.dev/blog?x=1');
  });

  test('Tab stays inside the drawer', async () => {
    const fake = createFakeHttp().on('GET', LIST, { items: events(1), next_cursor: null });
    r = await renderConsole(base, { fake });
    await r.wrapper.find('button.row-open').trigger('click');
    await r.settle();
    const drawer = r.wrapper.find('.drawer');
    const focusables = [...drawer.element.querySelectorAll<HTMLElement>('button, [tabindex="0"]')];
    const first = focusables[0]!;
    const last = focusables.at(-1)!;
    expect(first.textContent).toContain('Copy JSON');
    last.focus();
    await drawer.trigger('keydown', { key: 'Tab' });
    expect(document.activeElement).toBe(first);
    await drawer.trigger('keydown', { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(last);
  });

  test('a shared link with an event that is not on the first page fetches that event', async () => {
    const lone = event({ event_name: 'rare' });
    const fake = createFakeHttp()
      .on('GET', LIST, { items: events(2), next_cursor: null })
      .on('GET', `${LIST}/:id`, (_req: HttpRequest, p: Record<string, string>) =>
        p.id === lone.event_id ? lone : undefined,
      );
    r = await renderConsole(`${base}?event=${lone.event_id}`, { fake });
    expect(fake.callsTo('GET', `${LIST}/:id`)).toHaveLength(1);
    expect(r.wrapper.find('[role="dialog"] .drawer-title').text()).toBe('rare');
  });

  test('metadata and names render as text: markup in an event does nothing', async () => {
    const payload = '<img src=x onerror="window.__pwned=1">';
    const evil = event({
      event_name: payload,
      url: payload,
      metadata: { html: payload, [payload]: payload },
    });
    const fake = createFakeHttp().on('GET', LIST, { items: [evil], next_cursor: null });
    r = await renderConsole(`${base}?event=${evil.event_id}`, { fake });
    expect(document.querySelectorAll('img')).toHaveLength(0);
    expect(r.wrapper.find('button.row-open').text()).toBe(payload);
    expect(r.wrapper.find('[data-testid="metadata"]').text()).toContain(
      '"html": "<img src=x onerror=\\"window.__pwned=1\\">"',
    );
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });

  test('empty: says so, differently with and without filters', async () => {
    const fake = createFakeHttp().on('GET', LIST, { items: [], next_cursor: null });
    r = await renderConsole(base, { fake });
    expect(r.wrapper.text()).toContain('No events yet.');
    await r.console.router.push(`${base}?event_name=nope`);
    await r.settle();
    expect(r.wrapper.text()).toContain('No events match these filters.');
  });

  test('an API error says what failed, and Try again asks again', async () => {
    let fail = true;
    const fake = createFakeHttp().on('GET', LIST, () => {
      if (fail) throw apiError(503, 'READ_MODEL_UNAVAILABLE', 'the read models cannot be queried right now');
      return { items: events(1), next_cursor: null };
    });
    r = await renderConsole(base, { fake });
    const alert = r.wrapper.find('[role="alert"]');
    expect(alert.text()).toContain('Loading events failed');
    expect(alert.text()).toContain('the read models cannot be queried right now');
    expect(alert.text()).toContain('READ_MODEL_UNAVAILABLE, HTTP 503');
    fail = false;
    await alert.find('button').trigger('click');
    await r.settle();
    expect(r.wrapper.findAll('tbody tr[data-event-id]')).toHaveLength(1);
  });

  test('live mode merges new events at the top and keeps the cursor of the end', async () => {
    const older = events(50);
    let newest = [...older];
    const fake = createFakeHttp().on('GET', LIST, (req: HttpRequest) =>
      req.query?.cursor
        ? { items: events(3), next_cursor: null }
        : { items: newest.slice(0, 50), next_cursor: 'c2' },
    );
    r = await renderConsole(`${base}?live=1`, { fake });
    const fresh = event({ event_name: 'just_now', timestamp: '2030-01-01T00:00:00.000Z' });
    newest = [fresh, ...older];
    const store = (await import('@/stores/explorer')).useExplorerStore(r.console.pinia);
    expect(await store.pollNew()).toBe(1);
    await r.settle();
    const rows = r.wrapper.findAll('tbody tr[data-event-id]');
    expect(rows).toHaveLength(51);
    expect(rows[0]!.attributes('data-event-id')).toBe(fresh.event_id);
    expect(rows[0]!.classes()).toContain('fresh');
    expect(store.nextCursor).toBe('c2');
  });

  test('ArrowDown and ArrowUp move between rows', async () => {
    const fake = createFakeHttp().on('GET', LIST, { items: events(3), next_cursor: null });
    r = await renderConsole(base, { fake });
    const buttons = r.wrapper.findAll('button.row-open');
    (buttons[0]!.element as HTMLElement).focus();
    await buttons[0]!.trigger('keydown', { key: 'ArrowDown' });
    expect(document.activeElement).toBe(buttons[1]!.element);
    await buttons[1]!.trigger('keydown', { key: 'ArrowUp' });
    expect(document.activeElement).toBe(buttons[0]!.element);
  });

  test('report filters in the URL are chips and go to the query side as the Stats API filters', async () => {
    const fake = createFakeHttp().on('GET', LIST, { items: events(3), next_cursor: null });
    fake.on('GET', '/api/query/v1/event-names', { items: [] });
    r = await renderConsole(
      `${base}?event_name=page_view&filter=visit:source=Google&filter=event:page~/blog&filter=visit:country!~`,
      { fake },
    );
    const calls = fake.callsTo('GET', LIST);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.query).toMatchObject({ event_name: 'page_view' });
    expect(JSON.parse(String(calls[0]?.query?.filters))).toEqual([
      ['is', 'visit:source', ['Google']],
      ['contains', 'event:page', ['/blog']],
      ['contains_not', 'visit:country', ['']],
    ]);
    const chips = () => r!.wrapper.findAll('[data-testid="filter-chip"]');
    expect(chips().map((c) => c.text())).toEqual([
      'Source is Google ×',
      'Page contains /blog ×',
      'Country is (none) ×',
    ]);
    expect(chips()[0]!.attributes('aria-label')).toBe('Remove the filter Source is Google');

    // A chip removed: out of the URL (a new history entry), asked again without it.
    await chips()[1]!.trigger('click');
    await r.settle();
    expect(r.console.router.currentRoute.value.query).toEqual({
      event_name: 'page_view',
      filter: ['visit:source=Google', 'visit:country!~'],
    });
    expect(JSON.parse(String(fake.callsTo('GET', LIST).at(-1)?.query?.filters))).toEqual([
      ['is', 'visit:source', ['Google']],
      ['contains_not', 'visit:country', ['']],
    ]);
    // Back: the chip again, asked again.
    r.console.router.back();
    await waitFor(() => expect(chips()).toHaveLength(3));
    expect(JSON.parse(String(fake.callsTo('GET', LIST).at(-1)?.query?.filters))).toHaveLength(3);
    // "Clear all" drops every report filter, keeping the others.
    await r.button('Clear all').trigger('click');
    await r.settle();
    expect(r.console.router.currentRoute.value.query).toEqual({ event_name: 'page_view' });
    expect(fake.callsTo('GET', LIST).at(-1)?.query).not.toHaveProperty('filters');
  });

  test('"Add filter" puts a report filter in the URL; applying the form keeps it', async () => {
    const fake = createFakeHttp().on('GET', LIST, { items: events(1), next_cursor: null });
    fake.on('GET', '/api/query/v1/event-names', { items: [] });
    r = await renderConsole(base, { fake });
    await r.wrapper.find('#af-dimension').setValue('visit:browser');
    await r.wrapper.find('#af-op').setValue('is_not');
    await r.wrapper.find('#af-value').setValue('Firefox');
    await r.wrapper.find('form.add-filter').trigger('submit');
    await r.settle();
    expect(r.console.router.currentRoute.value.query).toEqual({ filter: ['visit:browser!=Firefox'] });
    // A metadata key, and a missing value refused before asking.
    await r.wrapper.find('#af-dimension').setValue('event:props:');
    await r.wrapper.find('#af-key').setValue('plan');
    await r.wrapper.find('#af-op').setValue('is');
    await r.wrapper.find('form.add-filter').trigger('submit');
    expect(r.wrapper.find('form.add-filter [role="alert"]').text()).toBe('Enter a value to filter by.');
    await r.wrapper.find('#af-value').setValue('pro');
    await r.wrapper.find('form.add-filter').trigger('submit');
    await r.settle();
    expect(r.console.router.currentRoute.value.query.filter).toEqual([
      'visit:browser!=Firefox',
      'event:props:plan=pro',
    ]);
    expect(r.wrapper.findAll('[data-testid="filter-chip"]').map((c) => c.text())).toEqual([
      'Browser is not Firefox ×',
      'Property plan is pro ×',
    ]);
    await r.wrapper.find('#f-user-id').setValue('u-1');
    await r.wrapper.find('form.filters').trigger('submit');
    await r.settle();
    expect(r.console.router.currentRoute.value.query).toEqual({
      user_id: 'u-1',
      filter: ['visit:browser!=Firefox', 'event:props:plan=pro'],
    });
    // "Clear" clears everything.
    await r.wrapper
      .findAll('form.filters button')
      .find((b) => b.text() === 'Clear')!
      .trigger('click');
    await r.settle();
    expect(r.console.router.currentRoute.value.query).toEqual({});
  });

  test('"Counted only" asks for the events the reports count, survives Apply and the CSV link; rows the reports leave out are marked', async () => {
    const fake = createFakeHttp().on('GET', LIST, {
      items: [
        event({ event_name: 'person', context: { language: 'en' } }),
        event({ event_name: 'crawler', context: { bot: 'crawler' } }),
        event({ event_name: 'office', context: { excluded: 'address' } }),
      ],
      next_cursor: null,
    });
    fake.on('GET', '/api/query/v1/event-names', { items: [] });
    r = await renderConsole(base, { fake });
    // Every event by default, each one the reports leave out marked on its row.
    expect(fake.callsTo('GET', LIST)[0]!.query).not.toHaveProperty('counted');
    const marks = () =>
      r!.wrapper
        .findAll('tbody tr[data-event-id]')
        .map((tr) => tr.find('[data-testid="not-counted"]'))
        .map((b) => (b.exists() ? b.text() : null));
    expect(marks()).toEqual([null, 'Bot', 'Excluded']);

    await r.wrapper.find('[data-testid="counted-only"]').setValue(true);
    await r.settle();
    expect(r.console.router.currentRoute.value.query).toEqual({ counted: 'true' });
    expect(fake.callsTo('GET', LIST).at(-1)!.query).toMatchObject({ counted: 'true' });
    const csv = new URL(r.wrapper.find('a[data-testid="events-csv"]').attributes('href')!, 'http://x');
    expect(csv.searchParams.get('counted')).toBe('true');

    // Applying the form keeps it; unticking it lists every event again.
    await r.wrapper.find('#f-event-name').setValue('person');
    await r.wrapper.find('form.filters').trigger('submit');
    await r.settle();
    expect(r.console.router.currentRoute.value.query).toEqual({ event_name: 'person', counted: 'true' });
    await r.wrapper.find('[data-testid="counted-only"]').setValue(false);
    await r.settle();
    expect(r.console.router.currentRoute.value.query).toEqual({ event_name: 'person' });
    expect(fake.callsTo('GET', LIST).at(-1)!.query).not.toHaveProperty('counted');
  });

  test('a link’s counted=true ticks "Counted only"; any other value is no narrowing', async () => {
    const fake = createFakeHttp().on('GET', LIST, { items: events(1), next_cursor: null });
    fake.on('GET', '/api/query/v1/event-names', { items: [] });
    r = await renderConsole(`${base}?counted=true`, { fake });
    expect((r.wrapper.find('[data-testid="counted-only"]').element as HTMLInputElement).checked).toBe(true);
    await r.console.router.push(`${base}?counted=maybe`);
    await r.settle();
    expect((r.wrapper.find('[data-testid="counted-only"]').element as HTMLInputElement).checked).toBe(false);
    expect(fake.callsTo('GET', LIST).at(-1)!.query).not.toHaveProperty('counted');
  });

  test('an old link’s page (`path=`) reads as a page filter', async () => {
    const fake = createFakeHttp().on('GET', LIST, { items: events(1), next_cursor: null });
    fake.on('GET', '/api/query/v1/event-names', { items: [] });
    r = await renderConsole(`${base}?event_name=page_view&path=/pricing`, { fake });
    const call = fake.callsTo('GET', LIST)[0]!;
    expect(call.query?.path).toBeUndefined();
    expect(JSON.parse(String(call.query?.filters))).toEqual([['is', 'event:page', ['/pricing']]]);
    expect(r.wrapper.find('[data-testid="filter-chip"]').text()).toBe('Page is /pricing ×');
  });

  test('the query side’s refusal of a filter is shown as its message', async () => {
    const fake = createFakeHttp().on('GET', LIST, () => {
      throw apiError(400, 'INVALID_FIELD', "filters[0][1]: unknown or unsupported dimension 'visit:x'");
    });
    fake.on('GET', '/api/query/v1/event-names', { items: [] });
    r = await renderConsole(`${base}?filter=visit:os=Linux`, { fake });
    expect(r.wrapper.find('[role="alert"]').text()).toContain(
      "filters[0][1]: unknown or unsupported dimension 'visit:x'",
    );
  });

  test('one event is "1 event"; an anonymous visitor is marked "anon" in the User column', async () => {
    const fake = createFakeHttp().on('GET', LIST, {
      items: [event({ user_id: null, anonymous_id: '0f8c2b1e-anon-visitor' })],
      next_cursor: null,
    });
    fake.on('GET', '/api/query/v1/event-names', { items: [] });
    r = await renderConsole(base, { fake });
    expect(r.wrapper.text()).toContain('End of the list: 1 event.');
    expect(r.wrapper.text()).not.toContain('1 events');
    const user = r.wrapper.find('tbody td[data-label="User"]');
    expect(user.find('.badge-anon').text()).toBe('anon');
    expect(user.find('.mono').text()).toBe('0f8c2b1e-ano…');
    expect(user.find('[title]').attributes('title')).toContain('Anonymous id 0f8c2b1e-anon-visitor');
  });

  test('"Download CSV" links the streamed export with every filter of the URL and the project', async () => {
    const fake = createFakeHttp().on('GET', LIST, { items: events(2), next_cursor: null });
    fake.on('GET', '/api/query/v1/event-names', { items: [] });
    r = await renderConsole(
      `${base}?event_name=sign%20up&session_id=s-1&from=2025-03-01T00:00:00.000Z&to=2025-03-02T00:00:00.000Z&filter=visit:source=Google&filter=event:page=/a%26b`,
      { fake },
    );
    const link = r.wrapper.find('a[data-testid="events-csv"]');
    expect(link.text()).toBe('Download CSV');
    expect(link.attributes('download')).toBeDefined();
    const href = new URL(link.attributes('href')!, 'http://console.test');
    expect(href.pathname).toBe('/api/query/v1/events.csv');
    expect(Object.fromEntries(href.searchParams)).toEqual({
      project_id: PROJECT_ID,
      event_name: 'sign up',
      session_id: 's-1',
      from: '2025-03-01T00:00:00.000Z',
      to: '2025-03-02T00:00:00.000Z',
      filters: '[["is","visit:source",["Google"]],["is","event:page",["/a&b"]]]',
    });
    // The same filters as the list asked with.
    expect(fake.callsTo('GET', LIST)[0]?.query?.filters).toBe(href.searchParams.get('filters'));

    r.wrapper.unmount();
    r = await renderConsole(base, { fake });
    const plain = new URL(r.wrapper.find('a[data-testid="events-csv"]').attributes('href')!, 'http://x.test');
    expect(Object.fromEntries(plain.searchParams)).toEqual({ project_id: PROJECT_ID });
  });
});
