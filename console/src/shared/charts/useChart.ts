/**
 * A chart bound to an element: created when the element mounts, resized with it (ResizeObserver),
 * re-created when the colour scheme changes, disposed with the component. The last option is kept,
 * so a re-created chart shows the same data.
 *
 * The factory is injected (CHARTS), so component tests record options instead of drawing.
 */
import { inject, onBeforeUnmount, onMounted, ref, shallowRef, watch, type InjectionKey, type Ref } from 'vue';
import {
  echartsFactory,
  type ChartClick,
  type ChartFactory,
  type ChartInstance,
  type ChartOption,
  type ChartTheme,
} from './echarts';

export const CHARTS: InjectionKey<ChartFactory> = Symbol('eventlens.charts');

/** The colour scheme the page is shown in, following the system setting. */
export function usePreferredTheme(): Ref<ChartTheme> {
  const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined;
  const theme = ref<ChartTheme>(media?.matches ? 'dark' : 'light');
  const onChange = (e: MediaQueryListEvent) => (theme.value = e.matches ? 'dark' : 'light');
  onMounted(() => media?.addEventListener('change', onChange));
  onBeforeUnmount(() => media?.removeEventListener('change', onChange));
  return theme;
}

/** `onClick`: called with the bar clicked (its bucket's index and series). */
export function useChart(
  el: Ref<HTMLElement | null | undefined>,
  theme: Ref<ChartTheme> = usePreferredTheme(),
  onClick?: (click: ChartClick) => void,
) {
  const factory = inject(CHARTS, echartsFactory);
  const chart = shallowRef<ChartInstance>();
  let last: ChartOption | undefined;
  let observer: ResizeObserver | undefined;

  function create(): void {
    if (!el.value) return;
    chart.value?.dispose();
    chart.value = factory(el.value, theme.value);
    if (onClick) chart.value.on('click', onClick);
    if (last) chart.value.setOption(last, { notMerge: true });
  }

  onMounted(() => {
    create();
    if (el.value && typeof ResizeObserver === 'function') {
      observer = new ResizeObserver(() => chart.value?.resize());
      observer.observe(el.value);
    }
  });

  watch(theme, create);

  onBeforeUnmount(() => {
    observer?.disconnect();
    chart.value?.dispose();
    chart.value = undefined;
  });

  return {
    chart,
    /** Replaces the chart's option (no merge: series that disappeared go away). */
    setOption(option: ChartOption): void {
      last = option;
      chart.value?.setOption(option, { notMerge: true });
    },
  };
}
