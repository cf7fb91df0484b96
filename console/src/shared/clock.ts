/** The time, injected: tests provide their own clock instead of faking timers for everything. */
import { inject, type InjectionKey } from 'vue';

export type Clock = () => number;

export const CLOCK: InjectionKey<Clock> = Symbol('eventlens.clock');

export function useClock(): Clock {
  return inject(CLOCK, () => Date.now());
}
