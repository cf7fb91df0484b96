/**
 * The shapes the console reads and sends, by the names its code uses: aliases over the types
 * generated from the two APIs' OpenAPI documents (`*.generated.ts`, `npm run api:types -w console`),
 * so a change of either API changes them, and the type check finds every use. Times are ISO 8601
 * strings in UTC.
 */
import type { components as CommandComponents, paths as CommandPaths } from './command-api.generated';
import type { components as QueryComponents, paths as QueryPaths } from './query-api.generated';

type Query = QueryComponents['schemas'];
type Command = CommandComponents['schemas'];

// The query side (GET /api/query/v1/…).
export type Me = Query['Me'];
/** One of the user's active console sessions (GET /v1/auth/sessions); `current`: this browser's. */
export type ConsoleSession = Query['ConsoleSession'];
export type Project = Query['Project'];
export type ApiKey = Query['ApiKey'];
export type KeyKind = ApiKey['kind'];
export type EventItem = Query['Event'];
export type NotCounted = Query['NotCounted'];
export type Volume = Query['Volume'];
export type Interval = Volume['interval'];
export type EventNames = Query['EventNames'];
export type SessionItem = Query['Session'];
export type SessionDetail = Query['SessionDetail'];
export type Throughput = Query['Throughput'];
export type Freshness = Query['Freshness'];
export type Contracts = Query['Contracts'];
/** Records a projection took of one writer schema id (a rebuild counts as `<projection>:rebuild`). */
export type SchemaSeen = Contracts['unlisted'][number]['seen'][number];
export type DlqRecord = Query['DlqRecord'];
/**
 * GET /v1/projects/{project_id}/settings: the project's default zone and declared domains (and,
 * from ProjectSettingsChanged v2 on, its goals and excluded address ranges: `ReadSettings`).
 */
export type ProjectSettings = Query['ProjectSettings'];
export type ProjectTimeZone = Query['ProjectTimeZone'];
/** POST /api/v2/query (the Stats API, docs/stats-api.md): the request and its answer. */
export type StatsQuery = Query['StatsQuery'];
export type StatsResult = Query['StatsResult'];
export type StatsRow = StatsResult['results'][number];
/** POST /api/v2/funnel (docs/stats-api.md): 2–8 steps within a visit, visitors and drop-off per step. */
export type FunnelQuery = Query['FunnelQuery'];
export type FunnelStep = FunnelQuery['steps'][number];
export type FunnelResult = Query['FunnelResult'];
/** A project's public dashboard link as listed (GET /v1/projects/{project_id}/public-links): no token. */
export type PublicLink = Query['PublicLink'];
/** POST /v1/share/session: a link's token (and password) exchanged for an hour's grant. */
export type ShareSession = Query['ShareSession'];

/** A page of a cursor-paginated list (events, sessions, dead-lettered records). */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/**
 * The filters of GET /v1/events the explorer sets (`from`, `to`: epoch milliseconds or ISO;
 * `filters`: the Stats API's filters as JSON; `counted`: only the events the reports count).
 */
export type EventFilters = Pick<
  NonNullable<QueryPaths['/v1/events']['get']['parameters']['query']>,
  'event_name' | 'user_id' | 'session_id' | 'from' | 'to' | 'filters' | 'counted'
>;

type GeneratedProjectionStatus = Query['Pipeline']['projections'][number];
export type PipelinePartition = GeneratedProjectionStatus['partitions'][number];

/**
 * A projection's status. `throughput` and `freshness` are optional here although the query side
 * always sends them: one older than these figures does not, and the screen then shows "—".
 */
export type ProjectionStatus = Omit<GeneratedProjectionStatus, 'throughput' | 'freshness'> &
  Partial<Pick<GeneratedProjectionStatus, 'throughput' | 'freshness'>>;

/** GET /v1/pipeline; `window` (what throughput and freshness cover) is absent from older query sides. */
export type Pipeline = Omit<Query['Pipeline'], 'window' | 'projections'> &
  Partial<Pick<Query['Pipeline'], 'window'>> & { projections: ProjectionStatus[] };

// The command side (POST/DELETE /api/command/v1/…).
export type LoggedIn = Command['LoggedIn'];
export type CreatedProject = Command['CreatedProject'];
/** The answer to issuing a key: the only time the key itself is shown. */
export type IssuedKey = Command['IssuedKey'];
export type ReplayRequested = Command['ReplayRequested'];
/** The answer to creating a public dashboard link: the only time its token (and path) is shown. */
export type CreatedPublicLink = Command['CreatedPublicLink'];

/** PUT /v1/admin/projects/{project_id}/settings: the whole settings (a field left out is not kept). */
export type SettingsBody =
  CommandPaths['/v1/admin/projects/{project_id}/settings']['put']['requestBody']['content']['application/json'];
export type ChangedProjectSettings = Command['ChangedProjectSettings'];

/** A goal (ProjectSettingsChanged v2): a name and an event name or a page path pattern. */
export type GoalSetting = Query['ProjectGoal'];

/**
 * The settings as read, with whatever else a newer query side sends: the settings screen sends
 * every field back, so a PUT never drops one it does not show. `goals` and
 * `excluded_address_ranges` are optional here: a query side older than ProjectSettingsChanged v2
 * sends neither, and the screen then shows and sends neither.
 */
export type ReadSettings = Omit<ProjectSettings, 'goals' | 'excluded_address_ranges'> &
  Partial<Pick<ProjectSettings, 'goals' | 'excluded_address_ranges'>> & { [field: string]: unknown };

/** /config.json of the console's own server (console/server), which neither API document covers. */
export interface ConsoleConfig {
  /** The demo project's write key (public by nature), when the server was given one. */
  demoWriteKey: string | null;
  /** Where ingestion lives on this origin. */
  ingestPath: string;
}
