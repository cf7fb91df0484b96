/**
 * The project settings screen: what it reads and sends (every field read goes back: nothing it does
 * not show is dropped), the checks before sending, the API's refusals next to the field they name,
 * and the saved zone becoming the dashboard's default.
 */
import { afterEach, describe, expect, test } from 'vitest';
import type { HttpRequest } from '@/api/http';
import type { StatsQuery } from '@/api/types';
import { apiError, createFakeHttp, type FakeHttp } from '@/testing/fakeHttp';
import { notCounted, pipeline, PROJECT_ID, volume } from '@/testing/fixtures';
import { renderConsole, unmountAfterEach, type Rendered } from '@/testing/render';
import { waitFor } from '@/testing/waitFor';

let r: Rendered | undefined;
unmountAfterEach();
afterEach(() => {
  localStorage.clear();
});

const READ = `/api/query/v1/projects/:id/settings`;
const PUT = `/api/command/v1/admin/projects/:id/settings`;
const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** The settings a query side answers, and a command side that answers what it was sent. */
function stack(read: Record<string, unknown>, put?: (req: HttpRequest) => unknown): FakeHttp {
  let current: Record<string, unknown> = { project_id: PROJECT_ID, ...read };
  return createFakeHttp()
    .on('GET', READ, () => current)
    .on(
      'PUT',
      PUT,
      put ??
        ((req: HttpRequest) => {
          current = { ...current, ...(req.body as object), updated_at: '2025-03-01T12:00:00.000Z' };
          return current;
        }),
    );
}

const NEVER_SET = { time_zone: 'UTC', domains: [], updated_at: null };
const puts = (fake: FakeHttp) => fake.callsTo('PUT', PUT).map((c) => c.body as Record<string, unknown>);
const input = (selector: string) => r!.wrapper.find(selector);
async function save() {
  await r!.wrapper.find('form.settings-form').trigger('submit');
  await r!.settle();
}
/** The error shown for a field, found as assistive technology finds it: by aria-describedby. */
function errorOf(selector: string): string | undefined {
  const el = input(selector);
  const id = el.attributes('aria-describedby');
  if (el.attributes('aria-invalid') !== 'true' || !id) return undefined;
  return r!.wrapper.find(`#${id}`).text();
}

describe('project settings', () => {
  test('is in the project’s tab bar, and a project that never set its zone is offered the browser’s', async () => {
    r = await renderConsole(`/p/${PROJECT_ID}/settings`, { fake: stack(NEVER_SET) });
    expect(r.wrapper.find('nav.nav a[aria-current="page"]').text()).toBe('Settings');
    expect((input('#settings-time-zone').element as HTMLInputElement).value).toBe(browserZone);
    expect(r.wrapper.text()).toContain('Not set yet: the browser’s zone is proposed.');
    expect(r.wrapper.findAll('[data-testid="domain-row"]')).toHaveLength(1);
    // This query side sends no goals and no address ranges: neither section, and neither is sent.
    expect(r.wrapper.find('#settings-goals').exists()).toBe(false);
    expect(r.wrapper.find('#settings-ranges').exists()).toBe(false);
    const options = r.wrapper.findAll('#settings-time-zone-list option').map((o) => o.attributes('value'));
    expect(options).toContain('Asia/Kolkata');
    expect(options).not.toContain('Asia/Calcutta');
  });

  test('saves the zone (any case: the list’s name) and the domains (trimmed, lowercased, blanks left out)', async () => {
    const fake = stack(NEVER_SET);
    r = await renderConsole(`/p/${PROJECT_ID}/settings`, { fake });
    await input('#settings-time-zone').setValue('asia/kolkata');
    await input('#settings-domain-0').setValue('  Shop.Example.COM ');
    await r.button('Add a domain').trigger('click');
    await r.button('Add a domain').trigger('click');
    await input('#settings-domain-2').setValue('blog.example.com');
    await save();
    expect(fake.callsTo('PUT', PUT)[0]!.path).toBe(`/api/command/v1/admin/projects/${PROJECT_ID}/settings`);
    expect(puts(fake)).toEqual([
      { time_zone: 'Asia/Kolkata', domains: ['shop.example.com', 'blog.example.com'] },
    ]);
    expect(r.wrapper.find('[role="status"]').text()).toBe('Saved.');
    expect((input('#settings-time-zone').element as HTMLInputElement).value).toBe('Asia/Kolkata');
    expect(r.wrapper.findAll('[data-testid="domain-row"]')).toHaveLength(2);
  });

  test('checks before sending: a zone not of the list, a URL for a domain, a domain twice', async () => {
    const fake = stack(NEVER_SET);
    r = await renderConsole(`/p/${PROJECT_ID}/settings`, { fake });
    await input('#settings-time-zone').setValue('Mars/Olympus');
    await input('#settings-domain-0').setValue('https://shop.example.com/');
    await save();
    expect(puts(fake)).toEqual([]);
    expect(errorOf('#settings-time-zone')).toContain('“Mars/Olympus” is not a time zone');
    expect(errorOf('#settings-domain-0')).toContain('Must be a host name such as example.com');
    expect(document.activeElement).toBe(input('#settings-time-zone').element);

    await input('#settings-time-zone').setValue('UTC');
    await input('#settings-domain-0').setValue('shop.example.com');
    await r.button('Add a domain').trigger('click');
    await input('#settings-domain-1').setValue('SHOP.example.com');
    await save();
    expect(puts(fake)).toEqual([]);
    expect(errorOf('#settings-time-zone')).toBeUndefined();
    expect(errorOf('#settings-domain-0')).toBeUndefined();
    expect(errorOf('#settings-domain-1')).toBe('Repeats a domain above: give each once.');
  });

  test('the API’s refusals are shown next to the field they name, counted as the form shows its rows', async () => {
    let answer: () => never = () => {
      throw apiError(400, 'INVALID_FIELD', 'domains[1]: bad; time_zone: refused', 'Saving', [
        { field: 'domains[1]', message: 'must be a host name such as example.com' },
        { field: 'time_zone', message: 'must be a canonical IANA time zone name' },
      ]);
    };
    const fake = stack({ ...NEVER_SET, domains: ['a.example.com', 'b.example.com'] }, () => answer());
    r = await renderConsole(`/p/${PROJECT_ID}/settings`, { fake });
    // Row 1 left blank: the body's domains[1] is the form's row 2.
    await input('#settings-domain-1').setValue('');
    await r.button('Add a domain').trigger('click');
    await input('#settings-domain-2').setValue('c.example.com');
    await save();
    expect(puts(fake)[0]!.domains).toEqual(['a.example.com', 'c.example.com']);
    expect(errorOf('#settings-domain-2')).toBe('Must be a host name such as example.com.');
    expect(errorOf('#settings-domain-0')).toBeUndefined();
    expect(errorOf('#settings-time-zone')).toBe('Must be a canonical IANA time zone name.');
    expect(r.wrapper.find('[role="status"]').text()).toBe('');

    // Another project declares a domain: 409, named in the message.
    answer = () => {
      throw apiError(409, 'CONFLICT', 'domain c.example.com is declared by another project', 'Saving');
    };
    await save();
    expect(errorOf('#settings-domain-2')).toBe(
      'Another project declares this domain: a domain belongs to one project only.',
    );
    expect(errorOf('#settings-time-zone')).toBeUndefined();

    // No field named: the message, as an alert.
    answer = () => {
      throw apiError(503, 'LOG_UNAVAILABLE', 'the event log is unavailable', 'Saving');
    };
    await save();
    expect(r.wrapper.find('.settings-form [role="alert"]').text()).toContain('the event log is unavailable');
  });

  test('nothing is dropped: goals, address ranges and fields the screen does not know go back as read', async () => {
    const read = {
      time_zone: 'Europe/Berlin',
      domains: ['shop.example.com'],
      goals: [
        { name: 'Signed up', event_name: 'signup' },
        { name: 'Thanks', page_path: '/thank-you/**' },
      ],
      excluded_address_ranges: ['203.0.113.0/24', '2001:db8::/32'],
      future_setting: { keep: ['me', 1] },
      updated_at: '2025-02-01T00:00:00.000Z',
    };
    const fake = stack(read);
    r = await renderConsole(`/p/${PROJECT_ID}/settings`, { fake });
    expect((input('#settings-time-zone').element as HTMLInputElement).value).toBe('Europe/Berlin');
    expect(r.wrapper.findAll('[data-testid="goal-row"]')).toHaveLength(2);
    expect((input('#settings-goal-value-1').element as HTMLInputElement).value).toBe('/thank-you/**');
    expect((input('#settings-goal-kind-1').element as HTMLSelectElement).value).toBe('page');
    expect((input('#settings-ranges-text').element as HTMLTextAreaElement).value).toBe(
      '203.0.113.0/24\n2001:db8::/32',
    );
    // Unchanged: the same settings go back, every field but project_id and updated_at.
    await save();
    expect(puts(fake)[0]).toEqual({
      time_zone: 'Europe/Berlin',
      domains: ['shop.example.com'],
      goals: [
        { name: 'Signed up', event_name: 'signup' },
        { name: 'Thanks', page_path: '/thank-you/**' },
      ],
      excluded_address_ranges: ['203.0.113.0/24', '2001:db8::/32'],
      future_setting: { keep: ['me', 1] },
    });

    // Only the zone changed: everything else still goes back.
    await input('#settings-time-zone').setValue('Asia/Kolkata');
    await save();
    expect(puts(fake)[1]).toEqual({ ...puts(fake)[0], time_zone: 'Asia/Kolkata' });
  });

  test('goals and address ranges: checked before sending, and the API’s refusals by row and line', async () => {
    const read = { ...NEVER_SET, goals: [], excluded_address_ranges: [] };
    let refuse = false;
    const fake = stack(read, (req) => {
      if (refuse)
        throw apiError(400, 'INVALID_FIELD', 'refused', 'Saving', [
          { field: 'goals[1].page_path', message: 'must not hold a query string' },
          { field: 'excluded_address_ranges[1]', message: 'has address bits past the prefix' },
        ]);
      return { project_id: PROJECT_ID, ...(req.body as object), updated_at: '2025-03-01T00:00:00.000Z' };
    });
    r = await renderConsole(`/p/${PROJECT_ID}/settings`, { fake });
    const addGoal = () => r!.button('Add a goal').trigger('click');
    await addGoal();
    await addGoal();
    await input('#settings-goal-name-0').setValue('');
    await input('#settings-goal-value-0').setValue('signup');
    await input('#settings-goal-name-1').setValue('Pricing');
    await input('#settings-goal-kind-1').setValue('page');
    await input('#settings-goal-value-1').setValue('pricing');
    await input('#settings-ranges-text').setValue('203.0.113.0/24\nnot an address');
    await save();
    expect(puts(fake)).toEqual([]);
    expect(errorOf('#settings-goal-name-0')).toBe('Name the goal.');
    expect(errorOf('#settings-goal-value-1')).toBe(
      'Must start with / (a path such as /pricing or /blog/**).',
    );
    expect(r.wrapper.findAll('[data-testid="range-error"]').map((e) => e.text())).toEqual([
      'Line 2: Must be an IPv4 or IPv6 address or CIDR range, such as 203.0.113.0/24 or 2001:db8::/32.',
    ]);

    await input('#settings-goal-name-0').setValue('Signed up');
    await input('#settings-goal-value-1').setValue('/pricing');
    // A blank line between: the body's second range is the form's line 3.
    await input('#settings-ranges-text').setValue('203.0.113.0/24\n\n198.51.100.7/24');
    refuse = true;
    await save();
    expect(puts(fake)[0]).toEqual({
      time_zone: browserZone,
      domains: [],
      goals: [
        { name: 'Signed up', event_name: 'signup' },
        { name: 'Pricing', page_path: '/pricing' },
      ],
      excluded_address_ranges: ['203.0.113.0/24', '198.51.100.7/24'],
    });
    expect(errorOf('#settings-goal-value-1')).toBe('Must not hold a query string.');
    expect(r.wrapper.findAll('[data-testid="range-error"]').map((e) => e.text())).toEqual([
      'Line 3: Has address bits past the prefix.',
    ]);
    expect(input('#settings-ranges-text').attributes('aria-invalid')).toBe('true');
  });

  test('a saved zone becomes the dashboard’s default; a viewer’s own pick still wins until “Project zone”', async () => {
    const fake = stack(NEVER_SET)
      .on('POST', '/api/query/api/v2/query', (req: HttpRequest) => ({
        results: [{ metrics: [0, 0, 0, 0, 0, 0, 0], dimensions: [] }],
        meta: { time_labels: [] },
        query: { timezone: (req.body as StatsQuery).timezone },
      }))
      .on('GET', '/api/query/v1/pipeline', pipeline())
      .on('GET', '/api/query/v1/stats/not-counted', notCounted())
      .on('GET', '/api/query/v1/stats/volume', volume());
    const zones = () =>
      fake.callsTo('POST', '/api/query/api/v2/query').map((c) => (c.body as StatsQuery).timezone);
    r = await renderConsole(`/p/${PROJECT_ID}/overview?range=24h`, { fake });
    expect(new Set(zones())).toEqual(new Set([browserZone]));
    expect(r.wrapper.findAll('button').some((b) => b.text() === 'Project zone')).toBe(false);

    await r.console.router.push(`/p/${PROJECT_ID}/settings`);
    await waitFor(() => expect(input('#settings-time-zone').exists()).toBe(true));
    await input('#settings-time-zone').setValue('Asia/Kolkata');
    await save();
    await r.console.router.push(`/p/${PROJECT_ID}/overview?range=24h`);
    await waitFor(() => expect(zones().at(-1)).toBe('Asia/Kolkata'));
    expect((input('#tz-select').element as HTMLInputElement).value).toBe('Asia/Kolkata');
    expect(r.wrapper.text()).toContain('(Asia/Kolkata, the project’s zone)');

    // The viewer picks another zone: theirs; "Project zone" goes back to the project's.
    await input('#tz-select').setValue('Europe/Berlin');
    await r.settle();
    expect(zones().at(-1)).toBe('Europe/Berlin');
    await r.button('Project zone').trigger('click');
    await r.settle();
    expect(zones().at(-1)).toBe('Asia/Kolkata');
    expect(localStorage.getItem('eventlens.timezone')).toBe('project');
  });

  test('settings that cannot be read say so, and Try again asks again', async () => {
    let fail = true;
    const fake = createFakeHttp().on('GET', READ, () => {
      if (fail) throw apiError(503, 'READ_MODEL_UNAVAILABLE', 'the read models cannot be queried right now');
      return { project_id: PROJECT_ID, ...NEVER_SET };
    });
    r = await renderConsole(`/p/${PROJECT_ID}/settings`, { fake });
    const alert = r.wrapper.find('[role="alert"]');
    expect(alert.text()).toContain('Loading the project settings failed');
    fail = false;
    await alert.find('button').trigger('click');
    await r.settle();
    expect(input('#settings-time-zone').exists()).toBe(true);
  });
});
