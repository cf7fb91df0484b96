/**
 * Applies admin rows in the caller's transaction: one statement per kind, in the order that keeps
 * a batch's own history consistent (keys are issued before they are revoked, public links created
 * before they are revoked). Every statement is idempotent by the event's own id. A revocation of a
 * key or a public link this schema does not know yet is refused (KEY_NOT_FOUND: a link's token is a
 * key to its dashboard), so it goes to the retry topics instead of being lost: by the time it is
 * retried the creating record has usually arrived, and a DLQ replay applies both in order.
 */
import { ident, type Queryable } from '../db';
import type { ApplyResult, RowFailure } from '../runtime/projection';
import type { AdminRow } from './rows';

const iso = (ms: number) => new Date(ms).toISOString();

type Of<K extends AdminRow['kind']> = Extract<AdminRow, { kind: K }> & { index: number };

export async function applyAdmin(
  tx: Queryable,
  schema: string,
  rows: readonly AdminRow[],
): Promise<ApplyResult> {
  const s = ident(schema);
  const indexed = rows.map((row, index) => ({ ...row, index }));
  const of = <K extends AdminRow['kind']>(kind: K) => indexed.filter((r): r is Of<K> => r.kind === kind);
  let applied = 0;
  const failed: RowFailure[] = [];

  const projects = of('project');
  if (projects.length > 0) {
    const result = await tx.query(
      `insert into ${s}.projects (project_id, name, created_at, created_by)
       select i, n, c, b from json_to_recordset($1::json) as x(i uuid, n text, c timestamptz, b text)
       order by i
       on conflict (project_id) do nothing`,
      [
        JSON.stringify(
          projects.map((r) => ({ i: r.project_id, n: r.name, c: iso(r.created_at), b: r.created_by })),
        ),
      ],
    );
    applied += result.rowCount ?? 0;
  }

  const keys = of('key');
  if (keys.length > 0) {
    const result = await tx.query(
      `insert into ${s}.api_keys (key_id, project_id, kind, name, key_hash, key_prefix, issued_at)
       select i, p, k, n, h, x.f, t
         from json_to_recordset($1::json) as x(i uuid, p uuid, k text, n text, h text, f text, t timestamptz)
       order by i
       on conflict (key_id) do nothing`,
      [
        JSON.stringify(
          keys.map((r) => ({
            i: r.key_id,
            p: r.project_id,
            k: r.key_kind,
            n: r.name,
            h: r.key_hash,
            f: r.key_prefix,
            t: iso(r.issued_at),
          })),
        ),
      ],
    );
    applied += result.rowCount ?? 0;
  }

  const revocations = of('revocation');
  if (revocations.length > 0) {
    // The first revocation wins; a repeated one matches the key and changes nothing.
    const result = await tx.query<{ key_id: string; project_id: string }>(
      `update ${s}.api_keys k set revoked_at = coalesce(k.revoked_at, x.t)
         from json_to_recordset($1::json) as x(i uuid, p uuid, t timestamptz)
        where k.key_id = x.i and k.project_id = x.p
       returning k.key_id, k.project_id`,
      [JSON.stringify(revocations.map((r) => ({ i: r.key_id, p: r.project_id, t: iso(r.revoked_at) })))],
    );
    const found = new Set(result.rows.map((r) => `${r.project_id}|${r.key_id}`));
    for (const r of revocations) {
      if (found.has(`${r.project_id}|${r.key_id}`)) applied++;
      else {
        failed.push({
          index: r.index,
          failure: {
            code: 'KEY_NOT_FOUND',
            message: `key ${r.key_id} of project ${r.project_id} is not known (yet)`,
            projectId: r.project_id,
          },
        });
      }
    }
  }

  const users = of('user');
  if (users.length > 0) {
    const result = await tx.query(
      `insert into ${s}.users (user_id, email, name, password_hash, registered_at)
       select i, e, n, h, t from json_to_recordset($1::json) as x(i uuid, e text, n text, h text, t timestamptz)
       order by i
       on conflict (user_id) do nothing`,
      [
        JSON.stringify(
          users.map((r) => ({
            i: r.user_id,
            e: r.email,
            n: r.name,
            h: r.password_hash,
            t: iso(r.registered_at),
          })),
        ),
      ],
    );
    applied += result.rowCount ?? 0;
  }

  const sessions = of('session');
  if (sessions.length > 0) {
    // A row made by an earlier revocation gets its start filled in; a repeated start changes nothing.
    const result = await tx.query(
      `insert into ${s}.console_sessions as c (session_id, user_id, started_at, expires_at, user_agent)
       select distinct on (i) i, u, t, e, a
         from json_to_recordset($1::json) as x(i uuid, u uuid, t timestamptz, e timestamptz, a text)
       order by i
       on conflict (session_id) do update
         set started_at = excluded.started_at, expires_at = excluded.expires_at, user_agent = excluded.user_agent
         where c.started_at is null and c.user_id = excluded.user_id`,
      [
        JSON.stringify(
          sessions.map((r) => ({
            i: r.session_id,
            u: r.user_id,
            t: iso(r.started_at),
            e: iso(r.expires_at),
            a: r.user_agent,
          })),
        ),
      ],
    );
    applied += result.rowCount ?? 0;
  }

  const sessionRevocations = of('session-revocation');
  if (sessionRevocations.length > 0) {
    // The first revocation wins; one naming another user than the session's changes nothing.
    // A revocation before its start keeps the session id refused from the moment it is known.
    const result = await tx.query(
      `insert into ${s}.console_sessions as c (session_id, user_id, revoked_at, revoked_by)
       select distinct on (i) i, u, t, b
         from json_to_recordset($1::json) as x(i uuid, u uuid, t timestamptz, b text)
       order by i, t
       on conflict (session_id) do update
         set revoked_at = excluded.revoked_at, revoked_by = excluded.revoked_by
         where c.revoked_at is null and c.user_id = excluded.user_id`,
      [
        JSON.stringify(
          sessionRevocations.map((r) => ({
            i: r.session_id,
            u: r.user_id,
            t: iso(r.revoked_at),
            b: r.revoked_by,
          })),
        ),
      ],
    );
    applied += result.rowCount ?? 0;
  }

  const links = of('public-link');
  if (links.length > 0) {
    const result = await tx.query(
      `insert into ${s}.public_links
         (link_id, project_id, token_hash, token_prefix, password_hash, created_at, created_by)
       select i, p, h, f, w, t, b
         from json_to_recordset($1::json) as x(i uuid, p uuid, h text, f text, w text, t timestamptz, b text)
       order by i
       on conflict (link_id) do nothing`,
      [
        JSON.stringify(
          links.map((r) => ({
            i: r.link_id,
            p: r.project_id,
            h: r.token_hash,
            f: r.token_prefix,
            w: r.password_hash,
            t: iso(r.created_at),
            b: r.created_by,
          })),
        ),
      ],
    );
    applied += result.rowCount ?? 0;
  }

  const linkRevocations = of('public-link-revocation');
  if (linkRevocations.length > 0) {
    // The first revocation wins; a repeated one matches the link and changes nothing. One naming
    // another project than the link's matches nothing and is refused like an unknown link.
    const result = await tx.query<{ link_id: string; project_id: string }>(
      `update ${s}.public_links l
          set revoked_at = coalesce(l.revoked_at, x.t),
              revoked_by = case when l.revoked_at is null then x.b else l.revoked_by end
         from (select distinct on (i) * from json_to_recordset($1::json) as r(i uuid, p uuid, t timestamptz, b text)
                order by i, t) x
        where l.link_id = x.i and l.project_id = x.p
       returning l.link_id, l.project_id`,
      [
        JSON.stringify(
          linkRevocations.map((r) => ({
            i: r.link_id,
            p: r.project_id,
            t: iso(r.revoked_at),
            b: r.revoked_by,
          })),
        ),
      ],
    );
    const found = new Set(result.rows.map((r) => `${r.project_id}|${r.link_id}`));
    for (const r of linkRevocations) {
      if (found.has(`${r.project_id}|${r.link_id}`)) applied++;
      else {
        failed.push({
          index: r.index,
          failure: {
            code: 'KEY_NOT_FOUND',
            message: `public link ${r.link_id} of project ${r.project_id} is not known (yet)`,
            projectId: r.project_id,
          },
        });
      }
    }
  }

  const settings = of('settings');
  if (settings.length > 0) {
    // Settings are replaced whole and the latest record wins: of a batch's records for one project
    // the newest (then the last in the log), and a row only moves forward in changed_at, so a record
    // read again (a retry, a replay) changes nothing. The same rule as the command side's directory.
    const result = await tx.query(
      `insert into ${s}.project_settings as p
         (project_id, time_zone, domains, goals, excluded_address_ranges, updated_at)
       select distinct on (i) i, z, array(select json_array_elements_text(d)), g,
              array(select json_array_elements_text(r)), t
         from json_to_recordset($1::json) as x(i uuid, z text, d json, g jsonb, r json, t timestamptz, n int)
       order by i, t desc, n desc
       on conflict (project_id) do update
         set time_zone = excluded.time_zone, domains = excluded.domains, goals = excluded.goals,
             excluded_address_ranges = excluded.excluded_address_ranges, updated_at = excluded.updated_at
         where p.updated_at < excluded.updated_at
            or (p.updated_at = excluded.updated_at
                and (p.time_zone, p.domains, p.goals, p.excluded_address_ranges)
                    is distinct from
                    (excluded.time_zone, excluded.domains, excluded.goals, excluded.excluded_address_ranges))`,
      [
        JSON.stringify(
          settings.map((r) => ({
            i: r.project_id,
            z: r.time_zone,
            d: r.domains,
            g: r.goals,
            r: r.excluded_address_ranges,
            t: iso(r.changed_at),
            n: r.index,
          })),
        ),
      ],
    );
    applied += result.rowCount ?? 0;
  }
  return { applied, failed };
}
