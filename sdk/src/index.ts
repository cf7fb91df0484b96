import { autocapture } from './autocapture.js';
import { safe, start } from './client.js';
import type { CoreOptions } from './core.js';
import { pageviews } from './pageviews.js';
import { retry } from './retry.js';

export { track, identify, reset, page, optOut, optIn } from './core.js';
export type { Metadata } from './core.js';

export interface InitOptions extends Omit<CoreOptions, 'autocapture' | 'pageviews' | 'retry'> {
  /** Capture clicks on buttons, links and `[data-eventlens]` elements, and form submissions. Default: true. */
  autocapture?: boolean;
  /** Send page_view and page_leave, on load and on SPA navigations. Default: true. */
  pageviews?: boolean;
}

/**
 * `eventlens-js`: `init` starts everything (the retry queue, autocapture and page tracking) unless told
 * otherwise. An app that only wants `track` imports from `eventlens-js/core` and picks plugins itself.
 */
export const init = /* @__PURE__ */ safe((options: InitOptions): void =>
  start(options, [
    retry,
    options?.autocapture !== false && autocapture,
    options?.pageviews !== false && pageviews,
  ]),
);
