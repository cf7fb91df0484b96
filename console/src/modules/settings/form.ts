/**
 * The settings screen's form and what it sends: pure functions from the settings read (GET
 * /v1/projects/{id}/settings) to the form, the form to the PUT body (PUT
 * /v1/admin/projects/{id}/settings replaces the whole settings), and the API's refusals back to
 * the form's fields.
 *
 * - **Nothing dropped.** The body is every field read (but `project_id` and `updated_at`, which
 *   are not settings) with the screen's fields over them: a field the screen does not show (one a
 *   newer API added) goes back as it was read.
 * - **Goals and excluded address ranges** (ProjectSettingsChanged v2) are shown when the settings
 *   read carry them; a query side older than v2 sends neither, and then neither is sent.
 * - **Errors by field.** The client checks what it can before sending (a zone of the list, host
 *   names, a goal's name and target, the shape of an address range); the API's own refusals name
 *   their field (`domains[1]`, `goals[0].name`, `excluded_address_ranges.2`) and are put next to
 *   the row or line they are about, counted as the form shows them (blank rows are not sent).
 */
import { ApiError } from '@/api/http';
import type { GoalSetting, ReadSettings } from '@/api/types';
import { zoneOfList } from '@/shared/timeZones';

/** contracts' LIMITS (projectDomainsMax, projectGoalsMax, excludedAddressRangesMax, goalNameMaxLength). */
export const MAX_DOMAINS = 20;
export const MAX_GOALS = 50;
export const MAX_RANGES = 50;
export const MAX_GOAL_NAME = 120;

export interface GoalRow {
  name: string;
  /** A custom event that reaches the goal, or a page path pattern. */
  kind: 'event' | 'page';
  value: string;
}

export interface SettingsForm {
  timeZone: string;
  /** One row per domain, blanks included (they are not sent). */
  domains: string[];
  /** Null: the settings read carry no goals (a query side older than ProjectSettingsChanged v2). */
  goals: GoalRow[] | null;
  /** One range a line; null: the settings read carry none. */
  ranges: string | null;
}

/**
 * Errors by where the form shows them: `time_zone`, `domains.<row>`, `goals.<row>.name`,
 * `goals.<row>.value`, `goals.<row>`, `excluded_address_ranges.<line>`, a whole list (`domains`,
 * `goals`, `excluded_address_ranges`), or `''` for an error that names no field of the form.
 */
export type FieldErrors = Record<string, string>;

/** Which row (or line) of the form each item of the body's lists came from. */
export interface SentRows {
  domains: number[];
  goals: number[];
  ranges: number[];
}

function goalRow(goal: GoalSetting): GoalRow {
  return 'page_path' in goal && typeof goal.page_path === 'string'
    ? { name: goal.name, kind: 'page', value: goal.page_path }
    : { name: goal.name, kind: 'event', value: 'event_name' in goal ? goal.event_name : '' };
}

/** The form for the settings read; the zone is the browser's while the project never set one. */
export function formFromSettings(read: ReadSettings, browserZone: string): SettingsForm {
  return {
    timeZone: read.updated_at !== null ? read.time_zone : browserZone,
    domains: read.domains.length > 0 ? [...read.domains] : [''],
    goals: Array.isArray(read.goals) ? read.goals.map(goalRow) : null,
    ranges: Array.isArray(read.excluded_address_ranges) ? read.excluded_address_ranges.join('\n') : null,
  };
}

const rangeLines = (text: string) => text.split(/\r?\n/);

/** RFC 1123 labels, at least two (contracts' Hostname, which lowercases first). */
const HOSTNAME =
  /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** The shape of an IPv4 or IPv6 address with an optional prefix; the API checks the rest. */
const ADDRESS_RANGE = /^[0-9a-fA-F:.]{2,45}(?:\/\d{1,3})?$/;

/** What the client can tell is wrong before sending, by field. */
export function validate(form: SettingsForm, zones: readonly string[]): FieldErrors {
  const errors: FieldErrors = {};
  if (!zoneOfList(form.timeZone, zones))
    errors.time_zone = `“${form.timeZone}” is not a time zone: pick one of the list (e.g. Asia/Kolkata).`;

  const seenDomains = new Set<string>();
  let domains = 0;
  form.domains.forEach((raw, row) => {
    const domain = raw.trim().toLowerCase();
    if (domain === '') return;
    domains++;
    if (!HOSTNAME.test(domain))
      errors[`domains.${row}`] =
        'Must be a host name such as example.com: no scheme, port, path or trailing dot.';
    else if (seenDomains.has(domain)) errors[`domains.${row}`] = 'Repeats a domain above: give each once.';
    seenDomains.add(domain);
  });
  if (domains > MAX_DOMAINS) errors.domains = `At most ${MAX_DOMAINS} domains.`;

  if (form.goals !== null) {
    const names = new Set<string>();
    let goals = 0;
    form.goals.forEach((goal, row) => {
      if (goal.name.trim() === '' && goal.value.trim() === '') return;
      goals++;
      const name = goal.name.trim();
      if (name === '') errors[`goals.${row}.name`] = 'Name the goal.';
      else if (name.length > MAX_GOAL_NAME)
        errors[`goals.${row}.name`] = `At most ${MAX_GOAL_NAME} characters.`;
      else if (names.has(name.toLowerCase()))
        errors[`goals.${row}.name`] = 'Repeats the name of a goal above (names are compared without case).';
      names.add(name.toLowerCase());
      const value = goal.value.trim();
      if (value === '')
        errors[`goals.${row}.value`] =
          goal.kind === 'event'
            ? 'Name the event that reaches the goal.'
            : 'Give a page path such as /thank-you.';
      else if (goal.kind === 'page' && !value.startsWith('/'))
        errors[`goals.${row}.value`] = 'Must start with / (a path such as /pricing or /blog/**).';
      else if (goal.kind === 'page' && value.includes('?'))
        errors[`goals.${row}.value`] = 'A path without a query string (?…): goals match the path alone.';
    });
    if (goals > MAX_GOALS) errors.goals = `At most ${MAX_GOALS} goals.`;
  }

  if (form.ranges !== null) {
    let ranges = 0;
    rangeLines(form.ranges).forEach((raw, line) => {
      const range = raw.trim();
      if (range === '') return;
      ranges++;
      if (!ADDRESS_RANGE.test(range))
        errors[`excluded_address_ranges.${line}`] =
          'Must be an IPv4 or IPv6 address or CIDR range, such as 203.0.113.0/24 or 2001:db8::/32.';
    });
    if (ranges > MAX_RANGES) errors.excluded_address_ranges = `At most ${MAX_RANGES} address ranges.`;
  }
  return errors;
}

/**
 * The PUT body: every field read but `project_id` and `updated_at`, with the form's over them
 * (the zone as the list spells it, domains trimmed and lowercased, blank rows left out), and which
 * form row each item of its lists came from.
 */
export function bodyFromForm(
  read: ReadSettings,
  form: SettingsForm,
  zones: readonly string[],
): { body: Record<string, unknown>; rows: SentRows } {
  const { project_id: _project, updated_at: _updated, ...kept } = read;
  const rows: SentRows = { domains: [], goals: [], ranges: [] };
  const domains: string[] = [];
  form.domains.forEach((raw, row) => {
    const domain = raw.trim().toLowerCase();
    if (domain === '') return;
    domains.push(domain);
    rows.domains.push(row);
  });
  const body: Record<string, unknown> = {
    ...kept,
    time_zone: zoneOfList(form.timeZone, zones) ?? form.timeZone.trim(),
    domains,
  };
  if (form.goals !== null) {
    const goals: Array<Record<string, string>> = [];
    form.goals.forEach((goal, row) => {
      if (goal.name.trim() === '' && goal.value.trim() === '') return;
      const target = goal.kind === 'event' ? 'event_name' : 'page_path';
      goals.push({ name: goal.name.trim(), [target]: goal.value.trim() });
      rows.goals.push(row);
    });
    body.goals = goals;
  }
  if (form.ranges !== null) {
    const ranges: string[] = [];
    rangeLines(form.ranges).forEach((raw, line) => {
      if (raw.trim() === '') return;
      ranges.push(raw.trim());
      rows.ranges.push(line);
    });
    body.excluded_address_ranges = ranges;
  }
  return { body, rows };
}

/** `goals[1].name`, `goals.1.name` → ['goals', 1, 'name']. */
function pathOf(field: string): Array<string | number> {
  return field
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((p) => p !== '')
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/** Where the form shows an error the API named by `field`; undefined when it names none of its fields. */
function formKey(field: string, rows: SentRows): string | undefined {
  const [head, index, leaf] = pathOf(field);
  if (head === 'time_zone') return 'time_zone';
  const list =
    head === 'domains'
      ? rows.domains
      : head === 'goals'
        ? rows.goals
        : head === 'excluded_address_ranges'
          ? rows.ranges
          : undefined;
  if (list === undefined) return undefined;
  if (typeof index !== 'number') return head as string;
  const row = list[index];
  if (row === undefined) return head as string;
  if (head !== 'goals') return `${head}.${row}`;
  if (leaf === 'name') return `goals.${row}.name`;
  if (leaf === 'event_name' || leaf === 'page_path') return `goals.${row}.value`;
  return `goals.${row}`;
}

const sentence = (message: string) => {
  const text = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
};

/**
 * The API's refusal by the form's fields: each `fields` entry next to its row, a domain another
 * project declares (409, named in the message) next to its row, anything else under `''`.
 */
export function errorsFromApi(error: unknown, rows: SentRows, body: Record<string, unknown>): FieldErrors {
  if (!(error instanceof ApiError)) return { '': `Saving the settings failed: ${String(error)}` };
  const errors: FieldErrors = {};
  for (const f of error.fields) {
    const key = formKey(f.field, rows);
    if (key === undefined) errors[''] = [errors[''], `${f.field}: ${f.message}`].filter(Boolean).join('; ');
    else errors[key] ??= sentence(f.message);
  }
  if (error.code === 'CONFLICT') {
    const domains = (body.domains as string[] | undefined) ?? [];
    const i = domains.findIndex((d) => error.detail.includes(d));
    const key = i >= 0 ? `domains.${rows.domains[i]}` : 'domains';
    errors[key] = 'Another project declares this domain: a domain belongs to one project only.';
  }
  if (Object.keys(errors).length === 0) errors[''] = error.message;
  return errors;
}
