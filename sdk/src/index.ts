import { autocapture } from './autocapture.js';
import { init as initCore, type CoreOptions } from './core.js';
import { pageviews } from './pageviews.js';
import { safe } from './client.js';

export { track, identify, reset, page, optOut, optIn } from './core.js';
export type { Metadata } from './core.js';

export interface InitOptions extends Omit<CoreOptions, 'autocapture' | 'pageviews'> {
  /** Capture clicks on buttons, links and `[data-eventlens]` elements, and form submissions. Default: true. */
  autocapture?: boolean;
  /** Send page_view and page_leave, on load and on SPA navigations. Default: true. */
  pageviews?: boolean;
}

/**
 * `eventlens-js`: `init` starts everything (autocapture and page tracking) unless told otherwise.
 * An app that only wants `track` imports from `eventlens-js/core` instead, to leave both out of its bundle.
 */
export const init = safe((options: InitOptions): void =>
  initCore({
    ...options,
    autocapture: options.autocapture !== false && autocapture,
    pageviews: options.pageviews !== false && pageviews,
  }),
);
