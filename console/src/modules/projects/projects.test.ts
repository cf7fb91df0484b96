/** Projects: the list, creating one (which waits for the read model), and switching. */
import { describe, expect, test } from 'vitest';
import type { HttpRequest } from '@/api/http';
import { createFakeHttp } from '@/testing/fakeHttp';
import { OTHER_PROJECT_ID, pipeline, project, PROJECT_ID } from '@/testing/fixtures';
import { renderConsole, unmountAfterEach, type Rendered } from '@/testing/render';
import { waitFor } from '@/testing/waitFor';

let r: Rendered | undefined;
unmountAfterEach();

describe('projects', () => {
  test('creating a project sends the command, waits until the query side lists it, then opens its setup', async () => {
    let listed = [project()];
    const fake = createFakeHttp()
      .on('GET', '/api/query/v1/projects', () => ({ items: listed }))
      .on('POST', '/api/command/v1/admin/projects', (req: HttpRequest) => {
        // The read model catches up a moment later.
        setTimeout(() => (listed = [...listed, project({ project_id: OTHER_PROJECT_ID, name: 'Shop' })]), 50);
        return { project_id: OTHER_PROJECT_ID, name: (req.body as { name: string }).name };
      })
      .on('GET', `/api/query/v1/projects/${OTHER_PROJECT_ID}/keys`, { items: [] })
      .on('GET', '/config.json', { demoWriteKey: null, ingestPath: '/api/command' })
      .on('GET', '/api/query/v1/events', { items: [], next_cursor: null });
    r = await renderConsole('/projects', { fake });
    await r.wrapper.find('#new-project-name').setValue('  Shop ');
    await r.wrapper.find('form').trigger('submit');
    await waitFor(() =>
      expect(r!.console.router.currentRoute.value.fullPath).toBe(`/p/${OTHER_PROJECT_ID}/setup`),
    );
    expect(fake.callsTo('POST', '/api/command/v1/admin/projects')[0]?.body).toEqual({ name: 'Shop' });
    expect((r.wrapper.find('#project-select').element as HTMLSelectElement).value).toBe(OTHER_PROJECT_ID);
  });

  test('the switcher keeps the screen and drops its filters', async () => {
    const fake = createFakeHttp()
      .on('GET', '/api/query/v1/projects', {
        items: [project(), project({ project_id: OTHER_PROJECT_ID, name: 'Docs' })],
      })
      .on('GET', '/api/query/v1/pipeline', pipeline())
      .on('GET', '/api/query/v1/dlq', { items: [], next_cursor: null });
    r = await renderConsole(`/p/${PROJECT_ID}/pipeline?x=1`, { fake });
    await r.wrapper.find('#project-select').setValue(OTHER_PROJECT_ID);
    await waitFor(() =>
      expect(r!.console.router.currentRoute.value.fullPath).toBe(`/p/${OTHER_PROJECT_ID}/pipeline`),
    );
    expect(fake.callsTo('GET', '/api/query/v1/dlq').at(-1)?.headers).toEqual({
      'x-eventlens-project': OTHER_PROJECT_ID,
    });
  });

  test('from the projects page, the switcher opens the chosen project’s overview', async () => {
    const fake = createFakeHttp()
      .on('GET', '/api/query/v1/projects', {
        items: [project(), project({ project_id: OTHER_PROJECT_ID, name: 'Docs' })],
      })
      .on('GET', '/api/query/v1/pipeline', pipeline())
      .on('GET', '/api/query/v1/stats/:what', { items: [], buckets: [] });
    r = await renderConsole('/projects', { fake });
    await r.wrapper.find('#project-select').setValue(OTHER_PROJECT_ID);
    await waitFor(() =>
      expect(r!.console.router.currentRoute.value.fullPath).toBe(`/p/${OTHER_PROJECT_ID}/overview`),
    );
  });
});
