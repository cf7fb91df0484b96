/** Projects, their keys and settings (`admin` schema). Key hashes never leave the database. */
import type { Knex } from 'knex';
import { z } from 'zod';
import type { ApiKeysRow, ProjectSettingsRow, ProjectsRow, ReaderTables } from '@eventlens/read-model';
import { boundProject, type Caller } from '../auth/callers';
import { notFound } from '../http/errors';
import { defineRoute, type AnyRoute } from '../http/route';
import { Timestamp, Uuid, toIso, toIsoOrNull } from './schemas';

export const Project = z
  .object({ project_id: Uuid, name: z.string(), created_at: Timestamp, created_by: z.string().nullable() })
  .meta({ id: 'Project' });
export const Projects = z.object({ items: z.array(Project) }).meta({ id: 'Projects' });

export const ApiKey = z
  .object({
    key_id: Uuid,
    kind: z.enum(['write', 'read']),
    name: z.string(),
    key_prefix: z.string().meta({ description: 'The first characters of the key, to recognise it.' }),
    issued_at: Timestamp,
    revoked_at: Timestamp.nullable(),
  })
  .meta({ id: 'ApiKey' });
export const ApiKeys = z.object({ items: z.array(ApiKey) }).meta({ id: 'ApiKeys' });

export const ProjectGoal = z
  .union([
    z.object({
      name: z.string().meta({ description: 'The goal’s name: its `event:goal` value in the Stats API.' }),
      event_name: z.string().meta({ description: 'Reached by each event of this name.' }),
    }),
    z.object({
      name: z.string().meta({ description: 'The goal’s name: its `event:goal` value in the Stats API.' }),
      page_path: z.string().meta({
        description:
          'Reached by each page_view whose path (as `event:page` has it) matches: `*` any characters but `/`, `**` any characters, the rest literal.',
        example: '/blog/**',
      }),
    }),
  ])
  .meta({ id: 'ProjectGoal', description: 'A goal: an event, or page views matching a path pattern.' });

export const ProjectSettings = z
  .object({
    project_id: Uuid,
    time_zone: z.string().meta({
      description: 'The default IANA zone of the project’s reports (the Stats API’s without `timezone`).',
      example: 'Asia/Kolkata',
    }),
    domains: z
      .array(z.string())
      .meta({ description: 'The host names the project declares; the Stats API takes each as `site_id`.' }),
    goals: z.array(ProjectGoal).meta({ description: 'The project’s goals, in the order given.' }),
    excluded_address_ranges: z.array(z.string()).meta({
      description:
        'The client address ranges whose traffic the project excludes from its reports, normalised CIDR.',
      example: ['203.0.113.0/24', '2001:db8::/32', '198.51.100.7/32'],
    }),
    updated_at: Timestamp.nullable().meta({ description: 'When they were last changed; null: never set.' }),
  })
  .meta({ id: 'ProjectSettings' });

export const ProjectTimeZone = z
  .object({
    project_id: Uuid,
    time_zone: ProjectSettings.shape.time_zone,
  })
  .meta({ id: 'ProjectTimeZone' });

export const ProjectParams = z.strictObject({ project_id: Uuid.meta({ description: 'The project id.' }) });

type ProjectRow = Pick<ProjectsRow, 'project_id' | 'name' | 'created_at' | 'created_by'>;

type KeyRow = Pick<ApiKeysRow, 'key_id' | 'kind' | 'name' | 'key_prefix' | 'issued_at' | 'revoked_at'>;

export function projectRoutes(db: Knex, tables: ReaderTables): AnyRoute[] {
  /**
   * The project `requested` names, as stored, if `caller` may read it: a key (or a grant) its own
   * project only; another project, like one that does not exist, is a 404 (existence never leaks).
   */
  const readableProject = async (caller: Caller, requested: string): Promise<string> => {
    const bound = boundProject(caller);
    if (bound !== undefined && bound.toLowerCase() !== requested.toLowerCase()) throw notFound('project');
    const project = await db(tables.projects).first('project_id').where('project_id', requested);
    if (!project) throw notFound('project');
    return project.project_id as string;
  };
  return [
    defineRoute({
      method: 'get',
      path: '/v1/projects',
      tag: 'projects',
      summary: 'Projects this caller can read',
      description: 'A console session: every project, oldest first. A read key: its own project.',
      auth: 'caller',
      response: { status: 200, description: 'The projects.', schema: Projects },
      async handle({ auth }) {
        const q = db(tables.projects)
          .select<ProjectRow[]>('project_id', 'name', 'created_at', 'created_by')
          .orderBy([
            { column: 'created_at', order: 'asc' },
            { column: 'project_id', order: 'asc' },
          ]);
        if (auth.caller.kind === 'read_key') q.where('project_id', auth.caller.projectId);
        const rows = await q;
        return {
          items: rows.map((r) => ({ ...r, created_at: toIso(r.created_at) })),
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/projects/{project_id}/time-zone',
      tag: 'projects',
      summary: "A project's default time zone",
      description:
        'What a public dashboard reads of its project: the zone its reports count days in. A read key of the project, a public dashboard’s grant of the project, or a console session. UTC for a project whose settings were never set. The rest of the settings (domains, goals, excluded address ranges) is the settings route’s, which a grant may not call.',
      auth: 'caller',
      params: ProjectParams,
      response: { status: 200, description: 'The zone.', schema: ProjectTimeZone },
      async handle({ auth, params }) {
        const projectId = await readableProject(auth.caller, params.project_id);
        const row = await db(tables.projectSettings)
          .first<Pick<ProjectSettingsRow, 'time_zone'> | undefined>('time_zone')
          .where('project_id', projectId);
        return { project_id: projectId, time_zone: row?.time_zone ?? 'UTC' };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/projects/{project_id}/settings',
      tag: 'projects',
      summary:
        "A project's settings: its default time zone, declared domains, goals and excluded address ranges",
      description:
        'A read key of the project or a console session (a public dashboard’s grant reads the zone alone, GET /v1/projects/{project_id}/time-zone: the domains, goals and excluded address ranges are the owner’s). A project whose settings were never set answers the defaults (UTC, no domains, no goals, no excluded ranges). Changed with PUT /v1/admin/projects/{project_id}/settings on the command side, which replaces them whole: send back `goals` and `excluded_address_ranges` as answered here to keep them.',
      auth: 'caller',
      params: ProjectParams,
      response: { status: 200, description: 'The settings.', schema: ProjectSettings },
      async handle({ auth, params }) {
        // A grant never gets here (auth/share-access.ts).
        const projectId = await readableProject(auth.caller, params.project_id);
        const row = await db(tables.projectSettings)
          .first<
            | Pick<
                ProjectSettingsRow,
                'time_zone' | 'domains' | 'goals' | 'excluded_address_ranges' | 'updated_at'
              >
            | undefined
          >('time_zone', 'domains', 'goals', 'excluded_address_ranges', 'updated_at')
          .where('project_id', projectId);
        return {
          project_id: projectId,
          time_zone: row?.time_zone ?? 'UTC',
          domains: row?.domains ?? [],
          goals: row?.goals ?? [],
          excluded_address_ranges: row?.excluded_address_ranges ?? [],
          updated_at: row ? toIso(row.updated_at) : null,
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/projects/{project_id}/keys',
      tag: 'projects',
      summary: "A project's API keys (never the keys or their hashes)",
      description: 'Console sessions only; newest first, revoked keys included.',
      auth: 'console',
      params: ProjectParams,
      response: { status: 200, description: 'The keys.', schema: ApiKeys },
      async handle({ params }) {
        const project = await db(tables.projects).first('project_id').where('project_id', params.project_id);
        if (!project) throw notFound('project');
        const rows = await db(tables.apiKeys)
          .select<KeyRow[]>('key_id', 'kind', 'name', 'key_prefix', 'issued_at', 'revoked_at')
          .where('project_id', params.project_id)
          .orderBy([
            { column: 'issued_at', order: 'desc' },
            { column: 'key_id', order: 'desc' },
          ]);
        return {
          items: rows.map((r) => ({
            ...r,
            issued_at: toIso(r.issued_at),
            revoked_at: toIsoOrNull(r.revoked_at),
          })),
        };
      },
    }),
  ];
}
