/**
 * Mounts the whole console (App, router, stores) on a fake HTTP client and a memory history, at
 * a given URL, logged in unless told otherwise. What a test sees is what a user would.
 */
import { flushPromises, mount, type DOMWrapper, type VueWrapper } from '@vue/test-utils';
import { afterEach, vi } from 'vitest';
import { createMemoryHistory } from 'vue-router';
import App from '@/App.vue';
import { SESSION_HINT_KEY } from '@/api/sessionHint';
import { createConsole, type Console } from '@/app';
import type { ChartClick, ChartFactory, ChartOption } from '@/shared/charts/echarts';
import { CHARTS } from '@/shared/charts/useChart';
import { createFakeHttp, type FakeHttp } from './fakeHttp';
import type { Project } from '@/api/types';
import { project } from './fixtures';

export interface ChartRecorder {
  factory: ChartFactory;
  options: ChartOption[];
  created: number;
  disposed: number;
  resized: number;
  /** Clicks a bar of the latest chart, as ECharts would report it. */
  click(click: ChartClick): void;
}

export function chartRecorder(): ChartRecorder {
  let handlers: Array<(click: ChartClick) => void> = [];
  const rec: ChartRecorder = {
    options: [],
    created: 0,
    disposed: 0,
    resized: 0,
    factory: () => {
      rec.created++;
      handlers = [];
      return {
        setOption: (o) => void rec.options.push(o),
        resize: () => void rec.resized++,
        dispose: () => void rec.disposed++,
        on: (_event, handler) => void handlers.push(handler),
      };
    },
    click: (click) => handlers.forEach((h) => h(click)),
  };
  return rec;
}

export interface Rendered {
  wrapper: VueWrapper;
  fake: FakeHttp;
  console: Console;
  charts: ChartRecorder;
  /** Lets every pending request and re-render settle. */
  settle(): Promise<void>;
  /** The button that reads `text` (an error naming it when there is none). */
  button(text: string): DOMWrapper<HTMLButtonElement>;
}

const mounted: VueWrapper[] = [];

/**
 * For a test file: after each test, unmounts every console `renderConsole` mounted in it (unless
 * the test did) and empties the page.
 */
export function unmountAfterEach(): void {
  afterEach(() => {
    for (const wrapper of mounted.splice(0)) if (!wrapper.vm.$.isUnmounted) wrapper.unmount();
    document.body.replaceChildren();
  });
}

export async function renderConsole(
  url: string,
  options: {
    fake?: FakeHttp;
    loggedIn?: boolean;
    clock?: () => number;
    projects?: Project[];
    /**
     * Whether this browser logged in before (api/sessionHint.ts), default true: `/me` is asked and
     * `loggedIn` (or the test's own route) answers. False: a browser that never logged in.
     */
    sessionHint?: boolean;
  } = {},
): Promise<Rendered> {
  if (options.sessionHint ?? true) localStorage.setItem(SESSION_HINT_KEY, '1');
  else localStorage.removeItem(SESSION_HINT_KEY);
  const fake = options.fake ?? createFakeHttp();
  if (options.loggedIn ?? true)
    fake.on('GET', '/api/query/v1/auth/me', { user_id: 'u1', email: 'dev@example.com' }, { fallback: true });
  // Routes the test registered itself win: these go first.
  fake.on('GET', '/api/query/v1/projects', { items: options.projects ?? [project()] }, { fallback: true });
  // A project that never set its settings: the defaults the query side answers.
  fake.on(
    'GET',
    '/api/query/v1/projects/:id/settings',
    (_req: unknown, p: Record<string, string>) => ({
      project_id: p.id,
      time_zone: 'UTC',
      domains: [],
      goals: [],
      excluded_address_ranges: [],
      updated_at: null,
    }),
    { fallback: true },
  );
  // The router starts where the memory history is, as a browser's starts at its URL.
  const history = createMemoryHistory();
  history.replace(url);
  const eventlens = createConsole({
    http: ({ onUnauthorized }) => fake.client(onUnauthorized),
    history,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const charts = chartRecorder();
  const wrapper = mount(App, {
    attachTo: document.body,
    global: { plugins: [eventlens], provide: { [CHARTS as symbol]: charts.factory } },
  });
  mounted.push(wrapper);
  await eventlens.router.isReady();
  const settle = async () => {
    for (let i = 0; i < 5; i++) {
      await flushPromises();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  };
  const button = (text: string) => {
    const found = wrapper.findAll('button').find((b) => b.text() === text);
    if (!found) throw new Error(`no button reads "${text}"`);
    return found;
  };
  await settle();
  return { wrapper, fake, console: eventlens, charts, settle, button };
}

/**
 * The files the page offers as downloads from now on in this test (shared/csv.ts: a Blob URL on a
 * link it clicks): each one's name and content, in order. The stubs are spies, restored before the
 * next test (the dom project's `restoreMocks`).
 */
export function captureDownloads(): Array<{ name: string; blob: Blob }> {
  const files: Array<{ name: string; blob: Blob }> = [];
  let pending: Blob | undefined;
  vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => ((pending = blob as Blob), 'blob:test'));
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    files.push({ name: this.download, blob: pending! });
  });
  return files;
}
