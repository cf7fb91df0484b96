/**
 * The public dashboard (/share/<token>): with no console session at all, the token is exchanged for
 * a grant (the password asked for when the link has one), and the dashboard — KPIs, chart, panels,
 * range and zone pickers — is read with that grant from the Stats API and the project's zone only; no
 * navigation, no explorer link, nothing else of the console. A revoked link says so.
 */
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createMemoryHistory } from 'vue-router';
import App from '@/App.vue';
import type { HttpRequest } from '@/api/http';
import type { StatsQuery } from '@/api/types';
import { createConsole } from '@/app';
import { CHARTS } from '@/shared/charts/useChart';
import { apiError, createFakeHttp, type FakeHttp } from '@/testing/fakeHttp';
import { PROJECT_ID } from '@/testing/fixtures';
import { chartRecorder } from '@/testing/render';
import { SHARE_HTTP } from './shareApi';

const TOKEN = 'els_abcdefghijklmnopqrstuvwxyz012345';
const NOW = Date.UTC(2025, 2, 1, 12, 0, 0);
const GRANT = 'grant-1';
const EXCHANGE = '/api/query/v1/share/session';
const QUERY = '/api/query/api/v2/query';
/** The one part of the settings a grant reads (the query side answers it 403 for the rest). */
const TIME_ZONE = `/api/query/v1/projects/${PROJECT_ID}/time-zone`;

const session = (grant = GRANT) => ({
  grant,
  project_id: PROJECT_ID,
  link_id: '33333333-3333-4333-8333-333333333333',
  expires_at: new Date(NOW + 3_600_000).toISOString(),
});

/** The Stats API: KPI rows, a chart of one hour, a panel row per panel. */
function statsAnswer(req: HttpRequest) {
  const body = req.body as StatsQuery;
  const query = { timezone: body.timezone };
  const dimension = body.dimensions?.[0];
  if (dimension?.startsWith('time:')) {
    return {
      results: [{ metrics: [7], dimensions: ['2025-03-01 11:00:00'] }],
      meta: { time_labels: ['2025-03-01 11:00:00'] },
      query,
    };
  }
  if (dimension) {
    return {
      results: [{ metrics: [4, 100], dimensions: [`${dimension} value`] }],
      meta: { total_rows: 1 },
      query,
    };
  }
  return { results: [{ metrics: [4, 5, 9, 1.8, 20, 65, 12], dimensions: [] }], meta: {}, query };
}

let wrapper: VueWrapper | undefined;
beforeEach(() => {
  sessionStorage.clear();
  localStorage.clear();
});
afterEach(() => {
  wrapper?.unmount();
  wrapper = undefined;
  document.body.replaceChildren();
});

/** The console at `url`, without any session; the public dashboard's client is `share`. */
async function render(url: string, share: FakeHttp, consoleHttp = createFakeHttp()) {
  const history = createMemoryHistory();
  history.replace(url);
  const eventlens = createConsole({
    http: ({ onUnauthorized }) => consoleHttp.client(onUnauthorized),
    history,
    clock: () => NOW,
  });
  wrapper = mount(App, {
    attachTo: document.body,
    global: {
      plugins: [eventlens],
      provide: { [CHARTS as symbol]: chartRecorder().factory, [SHARE_HTTP as symbol]: share.client() },
    },
  });
  await eventlens.router.isReady();
  await settle();
  return { wrapper, console: eventlens, consoleHttp };
}

async function settle() {
  for (let i = 0; i < 6; i++) {
    await flushPromises();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

const dashboard = () =>
  createFakeHttp().on('POST', EXCHANGE, session()).on('POST', QUERY, statsAnswer).on('GET', TIME_ZONE, {
    project_id: PROJECT_ID,
    time_zone: 'Asia/Kolkata',
  });

describe('a public dashboard', () => {
  test('exchanges the token, then shows the KPIs, the chart and the panels read with the grant', async () => {
    const share = dashboard();
    const { wrapper: w, consoleHttp } = await render(`/share/${TOKEN}`, share);
    const kpi = (k: string) => w.find(`[data-kpi="${k}"] .kpi-value`).text();
    expect([kpi('visitors'), kpi('visits'), kpi('pageviews'), kpi('events')]).toEqual(['4', '5', '9', '12']);
    expect(w.find('.chart').attributes('data-total')).toBe('7');
    expect(w.findAll('[data-panel]').map((p) => p.attributes('data-panel'))).toEqual([
      'pages',
      'sources',
      'utm',
      'devices',
      'countries',
    ]);
    expect(w.find('[data-panel="pages"]').text()).toContain('event:page value');

    // The token exchanged without a password; every other request carries the grant.
    const [first, ...rest] = share.calls;
    expect(first).toMatchObject({ method: 'POST', path: EXCHANGE, body: { token: TOKEN } });
    expect(rest.length).toBeGreaterThan(5);
    for (const call of rest) {
      expect(call.headers?.Authorization).toBe(`Share ${GRANT}`);
      expect([QUERY, TIME_ZONE]).toContain(call.path);
    }
    // The reports count in the project's zone, from its settings.
    expect(share.callsTo('POST', QUERY).map((c) => (c.body as StatsQuery).timezone)).toEqual(
      share.callsTo('POST', QUERY).map(() => 'Asia/Kolkata'),
    );
    // The KPI row (both periods), the chart and the five panels: the panels' percentages divide by
    // the KPI row's visitors (4 of 4 is 100%), with no query of their own.
    expect(share.callsTo('POST', QUERY)).toHaveLength(2 + 1 + 5);
    expect(w.find('[data-panel="pages"]').text()).toContain('100%');
    // The console's own client asked nothing: no session, no projects, no pipeline.
    expect(consoleHttp.calls).toEqual([]);
  });

  test('shows nothing else of the console: no navigation, no explorer link, no settings', async () => {
    const { wrapper: w } = await render(`/share/${TOKEN}`, dashboard());
    expect(w.find('[data-testid="shared-dashboard"]').exists()).toBe(true);
    expect(w.find('nav').exists()).toBe(false);
    expect(w.find('.topbar-user').exists()).toBe(false);
    expect(w.find('[data-testid="kpi-explore"]').exists()).toBe(false);
    expect(w.find('[data-testid="panel-explore"]').exists()).toBe(false);
    expect(w.find('[data-testid="bucket-explore"]').exists()).toBe(false);
    // Not one link: everything on the page is a button or text.
    expect(w.findAll('a').map((a) => a.attributes('href'))).toEqual([]);
    // The range and zone pickers are there.
    expect(w.find('[aria-label="Time range"]').exists()).toBe(true);
    expect(w.find('input[list]').exists() || w.find('#tz-select').exists()).toBe(true);
  });

  test('asks for the password when the link has one, says when it is wrong, opens with the right one', async () => {
    const share = dashboard().on('POST', EXCHANGE, (req: HttpRequest) => {
      const password = (req.body as { password?: string }).password;
      if (password === 'the right one') return session();
      throw apiError(
        401,
        'UNAUTHORIZED',
        password === undefined
          ? 'password: this link needs its password'
          : 'password: wrong password for this link',
        'Opening the shared dashboard',
        [{ field: 'password', message: password === undefined ? 'this link needs its password' : 'wrong' }],
      );
    });
    const logged = vi.spyOn(console, 'error');
    const { wrapper: w } = await render(`/share/${TOKEN}`, share);
    expect(w.find('[data-testid="shared-dashboard"]').exists()).toBe(false);
    const input = w.find('#share-password');
    expect(input.exists()).toBe(true);
    expect(w.find('[role="alert"]').exists()).toBe(false);

    await input.setValue('a wrong one');
    await w.find('form').trigger('submit');
    await settle();
    expect(w.find('[role="alert"]').text()).toBe('Wrong password. Try again.');
    // Both 401s are answers, not errors: the console's code logs nothing (Chromium still logs the requests).
    expect(logged).not.toHaveBeenCalled();

    await w.find('#share-password').setValue('the right one');
    await w.find('form').trigger('submit');
    await settle();
    expect(w.find('[data-kpi="visitors"] .kpi-value').text()).toBe('4');
    expect(share.callsTo('POST', EXCHANGE).map((c) => c.body)).toEqual([
      { token: TOKEN },
      { token: TOKEN, password: 'a wrong one' },
      { token: TOKEN, password: 'the right one' },
    ]);
    // The grant is kept for this tab: a reload asks for no password.
    expect(JSON.parse(sessionStorage.getItem('eventlens.share.grant')!)).toMatchObject({
      token: TOKEN,
      grant: GRANT,
    });
  });

  test('says the link is gone when it was revoked', async () => {
    const share = dashboard().on('POST', EXCHANGE, () => {
      throw apiError(404, 'NOT_FOUND', 'this public link was revoked');
    });
    const { wrapper: w } = await render(`/share/${TOKEN}`, share);
    expect(w.find('[data-testid="share-gone"]').text()).toContain('this public link was revoked');
    expect(share.callsTo('POST', QUERY)).toEqual([]);
  });

  test('a grant refused while the dashboard is open (the link revoked) asks again, and says the link is gone', async () => {
    sessionStorage.setItem(
      'eventlens.share.grant',
      JSON.stringify({ token: TOKEN, ...session('kept-grant') }),
    );
    const share = dashboard()
      .on('POST', QUERY, () => {
        throw apiError(401, 'UNAUTHORIZED', 'this public dashboard link was revoked');
      })
      .on('POST', EXCHANGE, () => {
        throw apiError(404, 'NOT_FOUND', 'this public link was revoked');
      });
    const { wrapper: w } = await render(`/share/${TOKEN}`, share);
    // The kept grant was used first (no exchange before the reports), then the exchange said "gone".
    expect(share.calls[0]).toMatchObject({ path: TIME_ZONE, headers: { Authorization: 'Share kept-grant' } });
    expect(share.callsTo('POST', EXCHANGE)).toHaveLength(1);
    expect(w.find('[data-testid="share-gone"]').text()).toContain('revoked');
    expect(sessionStorage.getItem('eventlens.share.grant')).toBeNull();
  });
});
