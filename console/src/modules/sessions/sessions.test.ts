/** Sessions: the list with its cursor, and one session's timeline. */
import { describe, expect, test } from 'vitest';
import { ApiError, type HttpRequest } from '@/api/http';
import { createFakeHttp } from '@/testing/fakeHttp';
import { event, PROJECT_ID, session } from '@/testing/fixtures';
import { renderConsole, unmountAfterEach, type Rendered } from '@/testing/render';

let r: Rendered | undefined;
unmountAfterEach();

describe('sessions', () => {
  test('lists sessions, filters by user id in the URL, and loads the next cursor page', async () => {
    const fake = createFakeHttp().on('GET', '/api/query/v1/sessions', (req: HttpRequest) =>
      req.query?.cursor
        ? { items: [session({ session_id: 'sess-3' })], next_cursor: null }
        : { items: [session(), session({ session_id: 'sess-2' })], next_cursor: 'next' },
    );
    r = await renderConsole(`/p/${PROJECT_ID}/sessions`, { fake });
    expect(r.wrapper.findAll('tbody tr')).toHaveLength(2);
    await r.button('Load more').trigger('click');
    await r.settle();
    expect(r.wrapper.findAll('tbody tr')).toHaveLength(3);
    await r.wrapper.find('#s-user').setValue('u-1');
    await r.wrapper.find('form').trigger('submit');
    await r.settle();
    expect(r.console.router.currentRoute.value.query).toEqual({ user_id: 'u-1' });
    expect(fake.callsTo('GET', '/api/query/v1/sessions').at(-1)?.query).toMatchObject({
      user_id: 'u-1',
      cursor: undefined,
    });
  });

  test('one session: its summary and its events oldest first, linking into the explorer', async () => {
    const a = event({ event_name: 'page_view', timestamp: '2025-03-01T11:00:00.000Z' });
    const b = event({
      event_name: 'button_click',
      timestamp: '2025-03-01T11:00:42.000Z',
      metadata: { text: 'Buy' },
    });
    const fake = createFakeHttp().on(
      'GET',
      '/api/query/v1/sessions/:id',
      (_req: HttpRequest, p: Record<string, string>) => ({
        session: session({ session_id: p.id }),
        timeline: { items: [a, b], next_cursor: null },
      }),
    );
    r = await renderConsole(`/p/${PROJECT_ID}/sessions/sess%2F1`, { fake });
    expect(fake.callsTo('GET', '/api/query/v1/sessions/:id')[0]?.path).toBe(
      '/api/query/v1/sessions/sess%2F1',
    );
    const items = r.wrapper.findAll('.timeline-item');
    expect(items.map((i) => i.find('a').text())).toEqual(['page_view', 'button_click']);
    expect(items[1]!.text()).toContain('+42 s');
    expect(items[1]!.find('a').attributes('href')).toBe(
      `/p/${PROJECT_ID}/events?session_id=sess/1&event=${b.event_id}`,
    );
  });

  test('the User column says which id it shows: a user id plain, an anonymous id marked "anon"', async () => {
    const fake = createFakeHttp().on('GET', '/api/query/v1/sessions', {
      items: [
        session({ session_id: 'sess-u', user_id: 'alice@example.com', anonymous_id: 'anon-a' }),
        session({ session_id: 'sess-a', user_id: null, anonymous_id: 'anon-b' }),
        session({ session_id: 'sess-n', user_id: null, anonymous_id: null, event_count: 1, page_views: 1 }),
      ],
      next_cursor: null,
    });
    r = await renderConsole(`/p/${PROJECT_ID}/sessions`, { fake });
    const user = (i: number) => r!.wrapper.findAll('tbody tr')[i]!.find('td[data-label="User"]');
    expect(user(0).text()).toBe('alice@example.com');
    expect(user(0).find('.badge-anon').exists()).toBe(false);
    expect(user(0).find('[title]').attributes('title')).toBe('User id alice@example.com');
    expect(user(1).find('.badge-anon').text()).toBe('anon');
    expect(user(1).find('[title]').attributes('title')).toContain('Anonymous id anon-b');
    expect(user(1).text()).toContain('anonymous id anon-b');
    expect(user(2).text()).toBe('—');
    // Counts keep their noun right: one session, one event.
    expect(r.wrapper.text()).toContain('End of the list: 3 sessions.');
    const one = r.wrapper.findAll('tbody tr')[2]!;
    expect(one.find('td[data-label="Events"]').text()).toBe('1');
    expect(one.find('td[data-label="Page views"]').text()).toBe('1');
  });

  test('every column is in the markup with its label, for the phone cards (nothing hidden)', async () => {
    const fake = createFakeHttp().on('GET', '/api/query/v1/sessions', {
      items: [session()],
      next_cursor: null,
    });
    r = await renderConsole(`/p/${PROJECT_ID}/sessions`, { fake });
    expect(r.wrapper.find('.hide-sm').exists()).toBe(false);
    const cells = r.wrapper.findAll('tbody tr td');
    expect(cells.map((c) => c.attributes('data-label')?.replace(/ \(.+\)$/, '') ?? null)).toEqual([
      null, // the session id heads the card
      'Last active',
      'Events',
      'Page views',
      'Duration',
      'User',
      'Entry page',
    ]);
    expect(cells[0]!.classes()).toContain('cell-title');
    expect(r.wrapper.text()).toContain('End of the list: 1 session.');
  });

  test('the Entry page column is the visit’s entry page as the reports name it, the full URL its title', async () => {
    const fake = createFakeHttp().on('GET', '/api/query/v1/sessions', {
      items: [
        session({ entry_url: 'https://shop.example/blog?utm_source=x', entry_page: '/blog' }),
        session({
          session_id: 'sess-2',
          entry_url: 'https://shop.example/app/?ref=mail#/settings',
          entry_page: '/app/#/settings',
        }),
        session({ session_id: 'sess-3', entry_url: null, entry_page: null, exit_url: null, exit_page: null }),
      ],
      next_cursor: null,
    });
    r = await renderConsole(`/p/${PROJECT_ID}/sessions`, { fake });
    const cells = r.wrapper.findAll('tbody tr td[data-label="Entry page"]');
    expect(cells.map((td) => td.text())).toEqual(['/blog', '/app/#/settings', '—']);
    expect(cells[0]!.find('span').attributes('title')).toBe('https://shop.example/blog?utm_source=x');
    expect(cells[1]!.find('span').attributes('title')).toBe('https://shop.example/app/?ref=mail#/settings');
  });

  test('one session names its entry and exit pages as the reports do, the full URLs their titles', async () => {
    let visit = session({
      entry_url: 'https://shop.example/blog?utm_source=x',
      entry_page: '/blog',
      exit_url: 'https://shop.example/app/?ref=mail#/settings',
      exit_page: '/app/#/settings',
    });
    const fake = createFakeHttp().on('GET', '/api/query/v1/sessions/:id', () => ({
      session: visit,
      timeline: { items: [event()], next_cursor: null },
    }));
    r = await renderConsole(`/p/${PROJECT_ID}/sessions/sess-1`, { fake });
    /** The field labelled `label`: its text and its title. */
    const field = (label: string) => {
      const dt = r!.wrapper.findAll('.fields dt').find((d) => d.text() === label)!;
      const dd = dt.element.nextElementSibling as HTMLElement;
      return [dd.textContent?.trim(), dd.getAttribute('title')];
    };
    expect(field('Entry page')).toEqual(['/blog', 'https://shop.example/blog?utm_source=x']);
    expect(field('Exit page')).toEqual(['/app/#/settings', 'https://shop.example/app/?ref=mail#/settings']);
    r.wrapper.unmount();
    visit = session({ entry_url: null, entry_page: null, exit_url: null, exit_page: null });
    r = await renderConsole(`/p/${PROJECT_ID}/sessions/sess-1`, { fake });
    expect(field('Entry page')[0]).toBe('—');
    expect(field('Exit page')[0]).toBe('—');
  });

  test('one session counts its events and page views with the right noun', async () => {
    const fake = createFakeHttp().on('GET', '/api/query/v1/sessions/:id', {
      session: session({ event_count: 1, page_views: 1 }),
      timeline: { items: [event()], next_cursor: null },
    });
    r = await renderConsole(`/p/${PROJECT_ID}/sessions/sess-1`, { fake });
    expect(r.wrapper.find('.fields').text()).toContain('1 event (1 page view)');
  });

  test('a failed next page of the timeline keeps the events shown and says so under them, with Try again', async () => {
    const first = event({ event_name: 'page_view', timestamp: '2025-03-01T11:00:00.000Z' });
    const second = event({ event_name: 'button_click', timestamp: '2025-03-01T11:00:42.000Z' });
    let failNext = true;
    const fake = createFakeHttp().on(
      'GET',
      '/api/query/v1/sessions/:id',
      (req: HttpRequest, p: Record<string, string>) => {
        if (req.query?.cursor && failNext) {
          failNext = false;
          throw new ApiError(503, 'NOT_READY', 'the read models are not ready', 'Loading the session');
        }
        return {
          session: session({ session_id: p.id }),
          timeline: req.query?.cursor
            ? { items: [second], next_cursor: null }
            : { items: [first], next_cursor: 'c1' },
        };
      },
    );
    r = await renderConsole(`/p/${PROJECT_ID}/sessions/sess-1`, { fake });
    const more = () =>
      r!.wrapper.findAll('button').find((b) => ['Load more events', 'Try again'].includes(b.text()));
    await more()!.trigger('click');
    await r.settle();
    expect(r.wrapper.findAll('.timeline-item')).toHaveLength(1);
    expect(r.wrapper.find('[role="alert"]').text()).toContain('the read models are not ready');
    await r.button('Try again').trigger('click');
    await r.settle();
    expect(r.wrapper.findAll('.timeline-item')).toHaveLength(2);
    expect(r.wrapper.find('[role="alert"]').exists()).toBe(false);
  });
});
