/**
 * The dashboard's panels under the Overview (modules/overview/panels.ts): for each panel its
 * chosen tab, how many rows are shown, and its data from the Stats API, for the Overview's
 * project, range, zone and filters (modules/overview/reports.ts, `usePanels`, over the console's
 * API; a public dashboard uses the same over its grant's).
 *
 * Refresh: the view calls `refresh()` whenever the Overview's store has fetched its data again
 * (its cheap change signal decides that), so the panels ask exactly when the KPIs do; a new tab or
 * "More" asks for that panel alone.
 */
import { defineStore } from 'pinia';
import { useApi } from '@/api/inject';
import { usePanels } from '@/modules/overview/reports';

export const useDashboardStore = defineStore('dashboard', () => usePanels(useApi()));
