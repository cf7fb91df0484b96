/** Sessions: the list with its cursor, and one session's timeline. */
import { afterEach, describe, expect, test } from 'vitest';
import type { HttpRequest } from '@/api/http';
import { createFakeHttp } from '@/testing/fakeHttp';
import { event, PROJECT_ID, session } from '@/testing/fixtures';
import { renderConsole, type Rendered } from '@/testing/render';

let r: Rendered | undefined;
afterEach(() => {
  r?.wrapper.unmount();
  r = undefined;
  document.body.replaceChildren();
});

describe('sessions', () => {
  test('lists sessions, filters by user id in the URL, and loads the next cursor page', async () => {
    const fake = createFakeHttp().on('GET', '/api/query/v1/sessions', (req: HttpRequest) =>
      req.query?.cursor
        ? { items: [session({ session_id: 'sess-3' })], next_cursor: null }
        : { items: [session(), session({ session_id: 'sess-2' })], next_cursor: 'next' },
    );
    r = await renderConsole(`/p/${PROJECT_ID}/sessions`, { fake });
    expect(r.wrapper.findAll('tbody tr')).toHaveLength(2);
    await r.wrapper
      .findAll('button')
      .find((b) => b.text() === 'Load more')!
      .trigger('click');
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
});
