/** How the Pipeline screen writes its figures. */

/** A freshness in ms: "850 ms", "2.4 s", "3 min 12 s"; "—" when nothing was measured. */
export function formatLatency(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

const rate = new Intl.NumberFormat('en', { maximumSignificantDigits: 3 });
const whole = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });

/** Rows per second: three significant digits below 1000 ("0.533/s", "42.5/s"), whole above ("12,400/s"). */
export function formatRate(perSecond: number): string {
  return `${perSecond >= 1000 ? whole.format(perSecond) : rate.format(perSecond)}/s`;
}

/** The window's length: "15 min", "1 h", "24 h". */
export function formatWindow(minutes: number): string {
  return minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`;
}
