/** The `admin` projection: eventlens.admin → projects, api_keys, users, console_sessions, project_settings, public_links. */
import type { Codec } from '@eventlens/contracts';
import { prepareEvents, type Projection } from '../runtime/projection';
import { applyAdmin } from './apply';
import { toAdminRow, type AdminRow } from './rows';

export function createAdminProjection(deps: { codec: Codec; schema: string }): Projection<AdminRow> {
  return {
    name: 'admin',
    prepare: (records) => prepareEvents(deps.codec, records, toAdminRow),
    apply: (tx, rows) => applyAdmin(tx, deps.schema, rows),
    projectOf: (row) => ('project_id' in row ? row.project_id : null),
  };
}
