/**
 * The only module that imports ECharts: its core plus exactly the charts and components the
 * console draws, so the bundle carries nothing else. Registration happens on first use, not on
 * import.
 */
import { BarChart, LineChart } from 'echarts/charts';
import type { BarSeriesOption, LineSeriesOption } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components';
import { init, registerTheme, use } from 'echarts/core';
import type { ComposeOption, ECharts } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

export type ChartOption = ComposeOption<
  BarSeriesOption | LineSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption
>;

export type ChartTheme = 'light' | 'dark';

/** A click on a bar: its bucket's index and its series' name. */
export interface ChartClick {
  dataIndex: number;
  seriesName?: string;
}

/** What useChart needs from a chart: ECharts' instance, or a test's recorder. */
export interface ChartInstance {
  setOption(option: ChartOption, opts?: { notMerge?: boolean }): void;
  resize(): void;
  dispose(): void;
  /** ECharts' event API; only `click` on a series is listened to. */
  on(event: 'click', handler: (params: ChartClick) => void): void;
}

export type ChartFactory = (el: HTMLElement, theme: ChartTheme) => ChartInstance;

const PALETTE = ['#3b5bdb', '#0ca678', '#f08c00', '#ae3ec9', '#e03131', '#1098ad', '#868e96'];

let registered = false;
function register(): void {
  if (registered) return;
  use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);
  const axis = (line: string, text: string) => ({
    axisLine: { lineStyle: { color: line } },
    axisTick: { lineStyle: { color: line } },
    axisLabel: { color: text },
    splitLine: { lineStyle: { color: line, opacity: 0.35 } },
  });
  registerTheme('eventlens-light', {
    color: PALETTE,
    backgroundColor: 'transparent',
    textStyle: { color: '#1c2230' },
    categoryAxis: axis('#c5cad6', '#4a5468'),
    valueAxis: axis('#c5cad6', '#4a5468'),
    legend: { textStyle: { color: '#1c2230' } },
  });
  registerTheme('eventlens-dark', {
    color: ['#748ffc', '#38d9a9', '#ffc078', '#da77f2', '#ff8787', '#66d9e8', '#adb5bd'],
    backgroundColor: 'transparent',
    textStyle: { color: '#e4e7ee' },
    categoryAxis: axis('#444c5e', '#b8bfcc'),
    valueAxis: axis('#444c5e', '#b8bfcc'),
    legend: { textStyle: { color: '#e4e7ee' } },
  });
  registered = true;
}

/** The real factory: an ECharts instance on a canvas. */
export const echartsFactory: ChartFactory = (el, theme) => {
  register();
  const chart: ECharts = init(el, `eventlens-${theme}`, { renderer: 'canvas' });
  return {
    setOption: (option, opts) => chart.setOption(option, opts),
    resize: () => chart.resize(),
    dispose: () => chart.dispose(),
    on: (event, handler) =>
      chart.on(event, (params) => {
        const p = params as { dataIndex?: unknown; seriesName?: unknown };
        if (typeof p.dataIndex !== 'number') return;
        handler({
          dataIndex: p.dataIndex,
          ...(typeof p.seriesName === 'string' ? { seriesName: p.seriesName } : {}),
        });
      }),
  };
};
