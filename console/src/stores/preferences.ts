/**
 * Per-browser preferences: the time zone times are shown and counted in. Kept in localStorage.
 *
 * The choice is `project` (the default: the project's own zone, from its settings, or the
 * browser's while the project has none), `local` (the browser's zone) or a zone name.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { PROJECT_ZONE, chosenZone, chosenZoneLabel, isValidTimeZone } from '@/shared/time';
import { currentZoneName } from '@/shared/timeZones';
import { useProjectSettingsStore } from './projectSettings';
import { useProjectsStore } from './projects';

const KEY = 'eventlens.timezone';

function stored(): string {
  try {
    const value = localStorage.getItem(KEY);
    if (value === 'local' || value === PROJECT_ZONE) return value;
    // A name stored before the list used current names (Asia/Calcutta) reads as its current one.
    return value && isValidTimeZone(value) ? currentZoneName(value) : PROJECT_ZONE;
  } catch {
    return PROJECT_ZONE;
  }
}

export const usePreferencesStore = defineStore('preferences', () => {
  const settings = useProjectSettingsStore();
  const projects = useProjectsStore();

  /** 'project', 'local' (the browser's zone), 'UTC' or an IANA zone. */
  const timeZoneChoice = ref<string>(stored());
  /** The project's own zone (null: it set none), for the project being looked at. */
  const projectZone = computed(() => settings.zoneOf(projects.currentId));
  const timeZone = computed(() => chosenZone(timeZoneChoice.value, projectZone.value));
  const timeZoneLabel = computed(() => chosenZoneLabel(timeZoneChoice.value, projectZone.value));

  /** 'project', 'local', or a zone name (an old one is stored by its current name); anything else is ignored. */
  function setTimeZone(choice: string): void {
    if (choice !== 'local' && choice !== PROJECT_ZONE && !isValidTimeZone(choice)) return;
    timeZoneChoice.value = choice === 'local' || choice === PROJECT_ZONE ? choice : currentZoneName(choice);
    try {
      localStorage.setItem(KEY, timeZoneChoice.value);
    } catch {
      // Private mode: the choice lasts as long as the tab.
    }
  }

  return { timeZoneChoice, projectZone, timeZone, timeZoneLabel, setTimeZone };
});
