/** Projects, their keys and settings (`admin` schema). Key hashes never leave the database. */
import type { Knex } from 'knex';
import { z } from 'zod';
import type { ApiKeysRow, ProjectSettingsRow, ProjectsRow, ReaderTables } from '@eventlens/read-model';
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
    updated_at: Timestamp.nullable().meta({ description: 'When they were last changed; null: never set.' }),
  })
  .meta({ id: 'ProjectSettings' });

export const ProjectParams = z.strictObject({ project_id: Uuid.meta({ description: 'The project id.' }) });

type ProjectRow = Pick<ProjectsRow, 'project_id' | 'name' | 'created_at' | 'created_by'>;

type KeyRow = Pick<ApiKeysRow, 'key_id' | 'kind' | 'name' | 'key_prefix' | 'issued_at' | 'revoked_at'>;

export function projectRoutes(db: Knex, tables: ReaderTables): AnyRoute[] {
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
      path: '/v1/projects/{project_id}/settings',
      tag: 'projects',
      summary: "A project's settings: its default time zone and declared domains",
      description:
        'A read key of the project, or a console session. A project whose settings were never set answers the defaults (UTC, no domains). Changed with PUT /v1/admin/projects/{project_id}/settings on the command side.',
      auth: 'caller',
      params: ProjectParams,
      response: { status: 200, description: 'The settings.', schema: ProjectSettings },
      async handle({ auth, params }) {
        // A key reads its own project's settings only; another project's is "not found".
        if (
          auth.caller.kind === 'read_key' &&
          auth.caller.projectId.toLowerCase() !== params.project_id.toLowerCase()
        )
          throw notFound('project');
        const project = await db(tables.projects).first('project_id').where('project_id', params.project_id);
        if (!project) throw notFound('project');
        const row = await db(tables.projectSettings)
          .first<Pick<ProjectSettingsRow, 'time_zone' | 'domains' | 'updated_at'> | undefined>(
            'time_zone',
            'domains',
            'updated_at',
          )
          .where('project_id', params.project_id);
        return {
          project_id: project.project_id as string,
          time_zone: row?.time_zone ?? 'UTC',
          domains: row?.domains ?? [],
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
