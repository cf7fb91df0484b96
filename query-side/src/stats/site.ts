/**
 * The project a Stats API request is about, its default time zone and its goals, from the admin
 * read model's `project_settings` (the latest ProjectSettingsChanged of each project; the query
 * side's reader role reads the admin schema; docs/stats-api.md).
 *
 * `site_id` is the project id, or a domain the project declares (Plausible's sites are named by
 * their domain). A domain resolves to a project id here; the caller's tenancy is then checked on
 * that id exactly as for an id sent as such (Callers.projectOf), so a domain of another project is
 * a 404 like its id would be.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import type { ProjectGoalRow, ProjectSettingsRow } from '@eventlens/read-model';
import { notFound } from '../http/errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const SiteId = z.string().min(1).max(253).meta({
  description: 'The project id, or a domain the project declares in its settings (e.g. `example.com`).',
  example: 'example.com',
});

/** The zone of a project without settings (the column default of admin.project_settings). */
export const DEFAULT_TIME_ZONE = 'UTC';

/**
 * The project id `siteId` names: itself when it is a UUID, else the project declaring it as a
 * domain (case-insensitive). Throws a 404 when no project declares it, or when more than one does
 * (two instances of the command side accepting the same domain at once): naming one of them would
 * be a guess.
 */
export async function resolveSite(db: Knex, projectSettings: string, siteId: string): Promise<string> {
  if (UUID.test(siteId)) return siteId;
  const rows = await db(projectSettings)
    .select<Pick<ProjectSettingsRow, 'project_id'>[]>('project_id')
    .whereRaw('domains @> array[?]::text[]', [siteId.toLowerCase()])
    .limit(2);
  if (rows.length !== 1) throw notFound('site');
  return rows[0]!.project_id;
}

/** The project's default time zone: its settings', else UTC. */
export async function projectTimeZone(db: Knex, projectSettings: string, projectId: string): Promise<string> {
  return (await projectDefaults(db, projectSettings, projectId)).timeZone;
}

/**
 * What a Stats API request takes from the project's settings, in one read: its default time zone
 * (UTC without settings) and its goals (none without settings), which `event:goal` names.
 */
export async function projectDefaults(
  db: Knex,
  projectSettings: string,
  projectId: string,
): Promise<{ timeZone: string; goals: ProjectGoalRow[] }> {
  const row = await db(projectSettings)
    .first<Pick<ProjectSettingsRow, 'time_zone' | 'goals'> | undefined>('time_zone', 'goals')
    .where('project_id', projectId);
  return { timeZone: row?.time_zone ?? DEFAULT_TIME_ZONE, goals: row?.goals ?? [] };
}
