/**
 * What the admin commands and the console's login answer, as Zod schemas: the decisions' response
 * types are inferred from them (decide.ts), and the OpenAPI document renders them (http/openapi.ts),
 * so the document describes what the handlers send. Times are ISO 8601 strings in UTC.
 *
 * The `id`s name the document's components. Zod's registry of ids is one per process and the query
 * side registers its own (`Project`, `Me`, …) in processes that load both (the console's type
 * generator), so none of these repeats one of them.
 */
import { ApiKeyKind, ReplayDlq } from '@eventlens/contracts';
import { z } from 'zod';

const uuid = z.uuid();
const isoTime = z.iso.datetime();

/** 201 of POST /v1/admin/projects. */
export const CreatedProject = z
  .object({ project_id: uuid, name: z.string(), created_at: isoTime })
  .meta({ id: 'CreatedProject', description: 'The project just created (ProjectCreated).' });
export type CreatedProject = z.infer<typeof CreatedProject>;

/** 201 of POST /v1/admin/projects/{project_id}/keys: the only answer that carries the key itself. */
export const IssuedKey = z
  .object({
    key_id: uuid,
    project_id: uuid,
    kind: ApiKeyKind,
    name: z.string(),
    key: z.string().meta({ description: 'The key itself: shown once, never stored (only its hash is).' }),
    key_prefix: z.string().meta({ description: 'Its first characters, which lists of keys show.' }),
    issued_at: isoTime,
  })
  .meta({ id: 'IssuedKey', description: 'The key just issued (ApiKeyIssued).' });
export type IssuedKey = z.infer<typeof IssuedKey>;

/** 201 of POST /v1/admin/projects/{project_id}/public-links: the only answer that carries the token. */
export const CreatedPublicLink = z
  .object({
    link_id: uuid,
    project_id: uuid,
    token: z.string().meta({
      description: 'The link’s token (`els_…`): shown once, never stored (only its hash is).',
      example: 'els_3q2-7wEXAMPLEtokenEXAMPLEtoken0',
    }),
    token_prefix: z.string().meta({ description: 'Its first characters, which lists of links show.' }),
    path: z.string().meta({
      description: 'The console’s path of the public dashboard, `/share/<token>`, on the console’s origin.',
    }),
    has_password: z.boolean().meta({ description: 'Whether opening the link asks for a password.' }),
    created_at: isoTime,
  })
  .meta({
    id: 'CreatedPublicLink',
    description: 'The public dashboard link just created (PublicLinkCreated).',
  });
export type CreatedPublicLink = z.infer<typeof CreatedPublicLink>;

/** 201 of POST /v1/admin/users. */
export const RegisteredUser = z
  .object({ user_id: uuid, email: z.string(), name: z.string().nullable(), registered_at: isoTime })
  .meta({ id: 'RegisteredUser', description: 'The console user just registered (UserRegistered).' });
export type RegisteredUser = z.infer<typeof RegisteredUser>;

/** 202 of POST /v1/admin/projections/{projection}/dlq/replay. */
export const ReplayRequested = z
  .object({ request_id: uuid, projection: ReplayDlq.shape.projection, requested_at: isoTime })
  .meta({
    id: 'ReplayRequested',
    description:
      'The replay request appended (DlqReplayRequested); the projections re-inject the records shortly after.',
  });
export type ReplayRequested = z.infer<typeof ReplayRequested>;

/** A goal as the settings answer it: its name and exactly one of its two kinds. */
const SettingsGoal = z.union([
  z.object({
    name: z.string(),
    event_name: z.string().meta({ description: 'Reached by each event of this name.' }),
  }),
  z.object({
    name: z.string(),
    page_path: z.string().meta({
      description: 'Reached by each page_view whose path matches: `*` any characters but `/`, `**` any.',
    }),
  }),
]);

/** 200 of PUT /v1/admin/projects/{project_id}/settings. */
export const ProjectSettingsView = z
  .object({
    project_id: uuid,
    time_zone: z
      .string()
      .meta({ description: 'The IANA zone of the project’s reports.', example: 'Asia/Kolkata' }),
    domains: z.array(z.string()).meta({ description: 'The host names the project declares, lowercase.' }),
    goals: z.array(SettingsGoal).meta({ description: 'The project’s goals, in the order given.' }),
    excluded_address_ranges: z.array(z.string()).meta({
      description:
        'The client address ranges whose traffic the project excludes, as normalised CIDR (a single address /32 or /128).',
      example: ['203.0.113.0/24', '2001:db8::/32'],
    }),
    updated_at: isoTime,
  })
  .meta({
    id: 'ChangedProjectSettings',
    description:
      'The project’s settings now (ProjectSettingsChanged appended, unless they were already these).',
  });
export type ProjectSettingsView = z.infer<typeof ProjectSettingsView>;

/** 200 of POST /v1/auth/login, with the session cookie. */
export const LoggedIn = z
  .object({ user_id: uuid, email: z.string() })
  .meta({ id: 'LoggedIn', description: 'The user now signed in.' });
export type LoggedIn = z.infer<typeof LoggedIn>;
