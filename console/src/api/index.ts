/**
 * The console's API: thin typed functions over one `HttpClient`. Reads go to the query side
 * (/api/query), commands to the command side (/api/command); the console never talks to anything
 * else. `createApi(createHttpClient(…))` in main.ts; `createApi(fakeClient)` in tests.
 */
import { PROJECT_HEADER } from './headers.generated';
import type { HttpClient } from './http';
import type {
  ApiKey,
  ChangedProjectSettings,
  ConsoleConfig,
  ConsoleSession,
  Contracts,
  CreatedProject,
  CreatedPublicLink,
  DlqRecord,
  EventFilters,
  EventItem,
  EventNames,
  FunnelQuery,
  FunnelResult,
  Interval,
  IssuedKey,
  KeyKind,
  LoggedIn,
  Me,
  NotCounted,
  Page,
  Pipeline,
  ReplayRequested,
  Project,
  PublicLink,
  ReadSettings,
  ProjectTimeZone,
  SessionDetail,
  SessionItem,
  StatsQuery,
  StatsResult,
  Volume,
} from './types';

export const QUERY = '/api/query';
export const COMMAND = '/api/command';
export { PROJECT_HEADER };

export interface Range {
  /** Epoch milliseconds. */
  from: number;
  to: number;
}

const enc = encodeURIComponent;

export function createApi(http: HttpClient) {
  /** Project routes of the query side: the project travels in a header, not in the URL. */
  const inProject = (projectId: string) => ({ [PROJECT_HEADER]: projectId });

  return {
    config: () =>
      http.request<ConsoleConfig>({
        method: 'GET',
        path: '/config.json',
        action: 'Loading the console settings',
      }),

    /** Logging in and out record the session in the admin log: commands. Reading it: the query side. */
    auth: {
      login: (email: string, password: string) =>
        http.request<LoggedIn>({
          method: 'POST',
          path: `${COMMAND}/v1/auth/login`,
          body: { email, password },
          action: 'Logging in',
          unauthorizedIsAnswer: true,
        }),
      logout: () =>
        http.request<void>({ method: 'POST', path: `${COMMAND}/v1/auth/logout`, action: 'Logging out' }),
      me: () =>
        http.request<Me>({
          method: 'GET',
          path: `${QUERY}/v1/auth/me`,
          action: 'Checking the session',
          unauthorizedIsAnswer: true,
        }),
      sessions: () =>
        http.request<{ items: ConsoleSession[] }>({
          method: 'GET',
          path: `${QUERY}/v1/auth/sessions`,
          action: 'Loading your sessions',
        }),
      revokeSession: (sessionId: string) =>
        http.request<void>({
          method: 'POST',
          path: `${COMMAND}/v1/auth/sessions/${enc(sessionId)}/revoke`,
          action: 'Signing the session out',
        }),
    },

    projects: {
      list: () =>
        http.request<{ items: Project[] }>({
          method: 'GET',
          path: `${QUERY}/v1/projects`,
          action: 'Loading projects',
        }),
      create: (name: string) =>
        http.request<CreatedProject>({
          method: 'POST',
          path: `${COMMAND}/v1/admin/projects`,
          body: { name },
          action: 'Creating the project',
        }),
    },

    /**
     * A project's settings: read from the query side (the admin projection's project_settings),
     * replaced whole on the command side (ProjectSettingsChanged): send back every field read.
     */
    settings: {
      /** The project's default zone alone: what a public dashboard's grant may read of its settings. */
      timeZone: (projectId: string) =>
        http.request<ProjectTimeZone>({
          method: 'GET',
          path: `${QUERY}/v1/projects/${enc(projectId)}/time-zone`,
          action: 'Loading the project’s time zone',
        }),
      get: (projectId: string) =>
        http.request<ReadSettings>({
          method: 'GET',
          path: `${QUERY}/v1/projects/${enc(projectId)}/settings`,
          action: 'Loading the project settings',
        }),
      save: (projectId: string, body: Record<string, unknown>) =>
        http.request<ChangedProjectSettings & Record<string, unknown>>({
          method: 'PUT',
          path: `${COMMAND}/v1/admin/projects/${enc(projectId)}/settings`,
          body,
          action: 'Saving the project settings',
        }),
    },

    keys: {
      list: (projectId: string) =>
        http.request<{ items: ApiKey[] }>({
          method: 'GET',
          path: `${QUERY}/v1/projects/${enc(projectId)}/keys`,
          action: 'Loading API keys',
        }),
      issue: (projectId: string, kind: KeyKind, name?: string) =>
        http.request<IssuedKey>({
          method: 'POST',
          path: `${COMMAND}/v1/admin/projects/${enc(projectId)}/keys`,
          body: name ? { kind, name } : { kind },
          action: `Creating a ${kind} key`,
        }),
      revoke: (projectId: string, keyId: string) =>
        http.request<void>({
          method: 'DELETE',
          path: `${COMMAND}/v1/admin/projects/${enc(projectId)}/keys/${enc(keyId)}`,
          action: 'Revoking the key',
        }),
    },

    /**
     * A project's public dashboard links (read-only, revocable; modules/share): listed by the query
     * side (never their tokens), created and revoked on the command side. A new link's token is
     * shown once, in the answer that creates it.
     */
    publicLinks: {
      list: (projectId: string) =>
        http.request<{ items: PublicLink[] }>({
          method: 'GET',
          path: `${QUERY}/v1/projects/${enc(projectId)}/public-links`,
          action: 'Loading the public dashboard links',
        }),
      create: (projectId: string, password?: string) =>
        http.request<CreatedPublicLink>({
          method: 'POST',
          path: `${COMMAND}/v1/admin/projects/${enc(projectId)}/public-links`,
          body: password ? { password } : {},
          action: 'Creating the public dashboard link',
        }),
      revoke: (projectId: string, linkId: string) =>
        http.request<void>({
          method: 'DELETE',
          path: `${COMMAND}/v1/admin/projects/${enc(projectId)}/public-links/${enc(linkId)}`,
          action: 'Revoking the public dashboard link',
        }),
    },

    stats: {
      /**
       * The Stats API (POST /api/v2/query, docs/stats-api.md): metrics over a range, grouped and
       * bucketed in `body.timezone`, exact from the raw rows. The console session authorises it (on
       * a public dashboard, its grant: modules/share); a refused query is a 400 naming the field.
       */
      query: (body: StatsQuery, signal?: AbortSignal, action = 'Querying the statistics') =>
        http.request<StatsResult>({
          method: 'POST',
          path: `${QUERY}/api/v2/query`,
          body,
          action,
          ...(signal ? { signal } : {}),
        }),
      /**
       * A funnel (POST /api/v2/funnel, docs/stats-api.md): visitors whose visit went through the
       * steps in order, per step, with conversion and drop-off. A refused funnel is a 400 naming the field.
       */
      funnel: (body: FunnelQuery, signal?: AbortSignal) =>
        http.request<FunnelResult>({
          method: 'POST',
          path: `${QUERY}/api/v2/funnel`,
          body,
          action: 'Running the funnel',
          ...(signal ? { signal } : {}),
        }),
      /** What the reports leave out of `range`: bot events and the project's excluded addresses' events. */
      notCounted: (projectId: string, range: Range, signal?: AbortSignal) =>
        http.request<NotCounted>({
          method: 'GET',
          path: `${QUERY}/v1/stats/not-counted`,
          query: { from: range.from, to: range.to },
          headers: inProject(projectId),
          action: 'Loading the bot events',
          ...(signal ? { signal } : {}),
        }),
      volume: (
        projectId: string,
        params: Range & { interval: Interval; breakdown?: boolean; top?: number },
        signal?: AbortSignal,
      ) =>
        http.request<Volume>({
          method: 'GET',
          path: `${QUERY}/v1/stats/volume`,
          query: {
            from: params.from,
            to: params.to,
            interval: params.interval,
            breakdown: params.breakdown ? 'event_name' : undefined,
            top: params.breakdown ? (params.top ?? 5) : undefined,
          },
          headers: inProject(projectId),
          action: 'Loading the event volume',
          ...(signal ? { signal } : {}),
        }),
      eventNames: (projectId: string, prefix?: string, limit = 20) =>
        http.request<EventNames>({
          method: 'GET',
          path: `${QUERY}/v1/event-names`,
          query: { prefix, limit },
          headers: inProject(projectId),
          action: 'Loading event names',
        }),
    },

    events: {
      list: (
        projectId: string,
        filters: EventFilters,
        cursor?: string | null,
        limit = 50,
        signal?: AbortSignal,
      ) =>
        http.request<Page<EventItem>>({
          method: 'GET',
          path: `${QUERY}/v1/events`,
          query: { ...filters, cursor, limit },
          headers: inProject(projectId),
          action: 'Loading events',
          ...(signal ? { signal } : {}),
        }),
      get: (projectId: string, eventId: string) =>
        http.request<EventItem>({
          method: 'GET',
          path: `${QUERY}/v1/events/${enc(eventId)}`,
          headers: inProject(projectId),
          action: 'Loading the event',
        }),
    },

    sessions: {
      list: (projectId: string, params: { user_id?: string; cursor?: string | null; limit?: number } = {}) =>
        http.request<Page<SessionItem>>({
          method: 'GET',
          path: `${QUERY}/v1/sessions`,
          query: { user_id: params.user_id, cursor: params.cursor, limit: params.limit ?? 50 },
          headers: inProject(projectId),
          action: 'Loading sessions',
        }),
      get: (projectId: string, sessionId: string, cursor?: string | null) =>
        http.request<SessionDetail>({
          method: 'GET',
          path: `${QUERY}/v1/sessions/${enc(sessionId)}`,
          query: { cursor, limit: 200 },
          headers: inProject(projectId),
          action: 'Loading the session',
        }),
    },

    pipeline: {
      /** Lag and failures, and throughput and freshness over the last `minutes` (the server's default: 15). */
      status: (params: { minutes?: number } = {}, signal?: AbortSignal) =>
        http.request<Pipeline>({
          method: 'GET',
          path: `${QUERY}/v1/pipeline`,
          query: { minutes: params.minutes },
          action: 'Loading the pipeline status',
          ...(signal ? { signal } : {}),
        }),
      dlq: (projectId: string, params: { projection?: string; cursor?: string | null } = {}) =>
        http.request<Page<DlqRecord>>({
          method: 'GET',
          path: `${QUERY}/v1/dlq`,
          query: { projection: params.projection, cursor: params.cursor, limit: 50 },
          headers: inProject(projectId),
          action: 'Loading dead-lettered records',
        }),
      /** Event contracts: subjects, levels, versions and the records each projection took (404 on older query sides). */
      contracts: () =>
        http.request<Contracts>({
          method: 'GET',
          path: `${QUERY}/v1/contracts`,
          action: 'Loading the contracts',
        }),
      /** Asks the command side for a replay; the projections re-inject the records shortly after. */
      replayDlq: (projection: string) =>
        http.request<ReplayRequested>({
          method: 'POST',
          path: `${COMMAND}/v1/admin/projections/${enc(projection)}/dlq/replay`,
          action: `Requesting a replay of the ${projection} DLQ`,
        }),
    },
  };
}

export type Api = ReturnType<typeof createApi>;
