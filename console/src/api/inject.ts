/** How the API reaches components and stores: provided once on the app, injected where used. */
import { inject, type InjectionKey } from 'vue';
import type { Api } from './index';

export const API: InjectionKey<Api> = Symbol('eventlens.api');

/** The app's API. Works in components and in Pinia setup stores (they run in the app's context). */
export function useApi(): Api {
  const api = inject(API);
  if (!api) throw new Error('useApi(): no API provided; install it with app.provide(API, createApi(…))');
  return api;
}
