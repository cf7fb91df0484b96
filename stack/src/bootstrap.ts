/**
 * First start: the admin user, a demo project and its keys, created through the command side's
 * admin API like any other admin (so they are events in eventlens.admin). What a key is can only be
 * known when it is issued, so the result is kept in .eventlens/data/bootstrap.json and reused.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { StackError } from './errors';

export interface Bootstrap {
  projectId: string;
  apiKey: string;
  readKey: string;
  adminEmail: string;
  adminPassword: string;
}

export async function bootstrap(options: {
  dataDir: string;
  ingestUrl: string;
  adminToken: string;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
}): Promise<Bootstrap> {
  const file = path.join(options.dataDir, 'bootstrap.json');
  let saved: Bootstrap | undefined;
  try {
    saved = JSON.parse(await readFile(file, 'utf8')) as Bootstrap;
  } catch {
    saved = undefined;
  }
  const call = async (method: string, route: string, body: unknown, okStatuses: number[] = [200, 201]) => {
    const res = await fetch(`${options.ingestUrl}${route}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.adminToken}` },
      body: JSON.stringify(body),
    });
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!okStatuses.includes(res.status)) {
      throw new StackError(
        'SERVICE_FAILED',
        `bootstrap ${method} ${route} answered ${res.status}: ${JSON.stringify(json).slice(0, 300)}`,
      );
    }
    return { status: res.status, json };
  };

  const adminEmail = (options.adminEmail ?? saved?.adminEmail ?? 'admin@eventlens.local').toLowerCase();
  const adminPassword =
    options.adminPassword ??
    (saved?.adminEmail === adminEmail ? saved.adminPassword : undefined) ??
    randomBytes(12).toString('base64url');
  if (saved?.adminEmail !== adminEmail || saved.adminPassword !== adminPassword) {
    // 409: the user exists already (registered by an earlier start with the same email).
    await call(
      'POST',
      '/v1/admin/users',
      { email: adminEmail, password: adminPassword, name: 'Admin' },
      [201, 409],
    );
  }
  let result: Bootstrap;
  if (saved) {
    result = { ...saved, adminEmail, adminPassword };
  } else {
    const project = await call('POST', '/v1/admin/projects', { name: 'Demo' });
    const projectId = String(project.json.project_id);
    const write = await call('POST', `/v1/admin/projects/${projectId}/keys`, {
      kind: 'write',
      name: 'Demo site',
    });
    const read = await call('POST', `/v1/admin/projects/${projectId}/keys`, {
      kind: 'read',
      name: 'Demo read key',
    });
    result = {
      projectId,
      apiKey: String(write.json.key),
      readKey: String(read.json.key),
      adminEmail,
      adminPassword,
    };
  }
  await mkdir(options.dataDir, { recursive: true });
  await writeFile(file, JSON.stringify(result, null, 2), { mode: 0o600 });
  return result;
}
