/** Setup: which write key goes in the snippets, and the first event arriving by itself. */
import { describe, expect, test } from 'vitest';
import { createFakeHttp } from '@/testing/fakeHttp';
import { apiKey, event, PROJECT_ID } from '@/testing/fixtures';
import { renderConsole, unmountAfterEach, type Rendered } from '@/testing/render';
import { waitFor } from '@/testing/waitFor';

let r: Rendered | undefined;
unmountAfterEach();

const KEYS = `/api/query/v1/projects/${PROJECT_ID}/keys`;
const DEMO = 'el_abcdefgXYZ_the_rest_of_the_demo_key';

describe('setup', () => {
  test('shows the install’s demo key in both snippets when it is an active write key of this project', async () => {
    const fake = createFakeHttp()
      .on('GET', '/config.json', { demoWriteKey: DEMO, ingestPath: '/api/command' })
      .on('GET', KEYS, { items: [apiKey({ key_prefix: DEMO.slice(0, 10) })] })
      .on('GET', '/api/query/v1/events', { items: [], next_cursor: null });
    r = await renderConsole(`/p/${PROJECT_ID}/setup`, { fake });
    expect(r.wrapper.find('[data-testid="write-key"]').text()).toBe(DEMO);
    const snippets = r.wrapper.findAll('pre.code').map((p) => p.text());
    expect(snippets[0]).toBe(
      `<script src="${location.origin}/eventlens.min.js" data-api-key="${DEMO}" data-host="${location.origin}/api/command" defer></script>`,
    );
    expect(snippets[1]).toContain(`init({ apiKey: '${DEMO}', host: '${location.origin}/api/command' });`);
    // The package is not on the registry yet: the snippet installs the tarball packed from a clone.
    expect(snippets[1]).toContain('npm pack -w sdk');
    expect(snippets[1]).toMatch(/npm install \S+eventlens-js-[\d.]+\.tgz/);
    expect(r.wrapper.find('a[href="/demo/"]').exists()).toBe(true);
  });

  test('the demo key of another project (or a revoked one) is not offered; creating a write key fills the snippet', async () => {
    const fake = createFakeHttp()
      .on('GET', '/config.json', { demoWriteKey: DEMO, ingestPath: '/api/command' })
      .on('GET', KEYS, { items: [apiKey({ key_prefix: 'el_other12' })] })
      .on('GET', '/api/query/v1/events', { items: [], next_cursor: null })
      .on('POST', `/api/command/v1/admin/projects/${PROJECT_ID}/keys`, {
        key_id: '66666666-6666-4666-8666-666666666666',
        kind: 'write',
        name: 'website',
        key: 'el_brand_new_key',
        key_prefix: 'el_brand_n',
      });
    r = await renderConsole(`/p/${PROJECT_ID}/setup`, { fake });
    expect(r.wrapper.find('[data-testid="write-key"]').exists()).toBe(false);
    expect(r.wrapper.text()).toContain('el_other12…');
    expect(r.wrapper.find('pre.code').text()).toContain('data-api-key="YOUR_WRITE_KEY"');
    await r.button('Create a write key').trigger('click');
    await r.settle();
    expect(r.wrapper.find('[data-testid="write-key"]').text()).toBe('el_brand_new_key');
    expect(r.wrapper.find('pre.code').text()).toContain('data-api-key="el_brand_new_key"');
  });

  test('"waiting for the first event" turns into "receiving events" by itself', async () => {
    let items: ReturnType<typeof event>[] = [];
    const fake = createFakeHttp()
      .on('GET', '/config.json', { demoWriteKey: null, ingestPath: '/api/command' })
      .on('GET', KEYS, { items: [] })
      .on('GET', '/api/query/v1/events', () => ({ items, next_cursor: null }));
    r = await renderConsole(`/p/${PROJECT_ID}/setup`, { fake });
    const status = () => r!.wrapper.find('.status-card');
    expect(status().attributes('data-status')).toBe('waiting');
    expect(status().text()).toContain('Waiting for the first event…');
    expect(fake.callsTo('GET', '/api/query/v1/events')[0]?.query?.limit).toBe(1);
    items = [event({ event_name: 'page_view' })];
    await waitFor(() => expect(status().attributes('data-status')).toBe('receiving'));
    expect(status().text()).toContain('Receiving events');
    expect(status().text()).toContain('page_view');
  });
});
