/** Per-browser preferences: the time zone times are shown in. Kept in localStorage. */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { browserTimeZone, effectiveZone, isValidTimeZone } from '@/shared/time';
import { currentZoneName } from '@/shared/timeZones';

const KEY = 'eventlens.timezone';

function stored(): string {
  try {
    const value = localStorage.getItem(KEY);
    // A name stored before the list used current names (Asia/Calcutta) reads as its current one.
    return value && (value === 'local' || isValidTimeZone(value)) ? currentZoneName(value) : 'local';
  } catch {
    return 'local';
  }
}

export const usePreferencesStore = defineStore('preferences', () => {
  /** 'local' (the browser's zone), 'UTC' or an IANA zone. */
  const timeZoneChoice = ref<string>(stored());
  const timeZone = computed(() => effectiveZone(timeZoneChoice.value));
  const timeZoneLabel = computed(() =>
    timeZoneChoice.value === 'local' ? `${browserTimeZone()} (browser)` : timeZoneChoice.value,
  );

  /** 'local', or a zone name (an old one is stored by its current name); anything else is ignored. */
  function setTimeZone(choice: string): void {
    if (choice !== 'local' && !isValidTimeZone(choice)) return;
    timeZoneChoice.value = choice === 'local' ? choice : currentZoneName(choice);
    try {
      localStorage.setItem(KEY, timeZoneChoice.value);
    } catch {
      // Private mode: the choice lasts as long as the tab.
    }
  }

  return { timeZoneChoice, timeZone, timeZoneLabel, setTimeZone };
});
