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

/**
 * How long a projection's status may go unwritten before the screen calls it stale: the projections
 * write it at least every 5 s (EVENTLENS_OPS_REFRESH_MS, whose refresher runs in every projections
 * process), so 30 s without a write means no projections process is running or reaching
 * PostgreSQL, and the lag shown is the one of that moment, not now's (it read 0 while 13,000
 * events waited).
 */
export const STALE_AFTER_MS = 30_000;

/** The status's age in ms when it is stale (written more than STALE_AFTER_MS before `now`), else null. */
export function staleFor(updatedAt: string | null, now: string | number): number | null {
  if (updatedAt === null) return null;
  const age = new Date(now).getTime() - new Date(updatedAt).getTime();
  return age > STALE_AFTER_MS ? age : null;
}
