import { describe, expect, it } from 'vitest';
import type { AnyEvent, ProjectSettingsChanged } from '@eventlens/contracts';
import { decideChangeSettings } from './decide';
import { createKeyDirectory } from './directory';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';

const project = (project_id: string): AnyEvent => ({
  type: 'ProjectCreated',
  value: { project_id, name: project_id, created_at: 1, created_by: null },
});
const changed = (value: Partial<ProjectSettingsChanged> & { project_id: string }): AnyEvent => ({
  type: 'ProjectSettingsChanged',
  value: { time_zone: 'UTC', domains: [], changed_at: 10, changed_by: null, ...value },
});

function directoryWith(...events: AnyEvent[]) {
  const directory = createKeyDirectory();
  for (const event of events) directory.apply(event);
  return directory;
}

const deps = { now: () => 1_000 };

describe('decideChangeSettings', () => {
  it('appends the whole settings, keyed by the project, and answers them', () => {
    const directory = directoryWith(project(A));
    const decision = decideChangeSettings(
      directory,
      A,
      { time_zone: 'Asia/Kolkata', domains: ['example.com'] },
      'user-1',
      deps,
    );
    expect(decision).toEqual({
      kind: 'append',
      key: A,
      event: {
        type: 'ProjectSettingsChanged',
        value: {
          project_id: A,
          time_zone: 'Asia/Kolkata',
          domains: ['example.com'],
          changed_at: 1_000,
          changed_by: 'user-1',
        },
      },
      response: {
        project_id: A,
        time_zone: 'Asia/Kolkata',
        domains: ['example.com'],
        updated_at: new Date(1_000).toISOString(),
      },
    });
  });

  it('refuses a project that does not exist', () => {
    expect(decideChangeSettings(directoryWith(), A, { time_zone: 'UTC', domains: [] }, null, deps)).toEqual({
      kind: 'refuse',
      error: { code: 'PROJECT_NOT_FOUND', project_id: A },
    });
  });

  it('refuses a domain another project declares, naming the domain and not the other project', () => {
    const directory = directoryWith(
      project(A),
      project(B),
      changed({ project_id: B, domains: ['shop.example'] }),
    );
    expect(
      decideChangeSettings(
        directory,
        A,
        { time_zone: 'UTC', domains: ['a.example', 'shop.example'] },
        null,
        deps,
      ),
    ).toEqual({ kind: 'refuse', error: { code: 'DOMAIN_TAKEN', project_id: A, domain: 'shop.example' } });
  });

  it('lets a project keep its own domains, and another take a domain once it is let go', () => {
    const directory = directoryWith(
      project(A),
      project(B),
      changed({ project_id: B, domains: ['shop.example'] }),
    );
    expect(
      decideChangeSettings(
        directory,
        B,
        { time_zone: 'UTC', domains: ['shop.example', 'b.example'] },
        null,
        deps,
      ).kind,
    ).toBe('append');
    directory.apply(changed({ project_id: B, domains: ['b.example'], changed_at: 20 }));
    expect(directory.domainOwner('shop.example')).toBeUndefined();
    expect(
      decideChangeSettings(directory, A, { time_zone: 'UTC', domains: ['shop.example'] }, null, deps).kind,
    ).toBe('append');
  });

  it('appends nothing for the settings the project has already, answering them', () => {
    const directory = directoryWith(
      project(A),
      changed({ project_id: A, time_zone: 'Europe/Berlin', domains: ['a.example'] }),
    );
    expect(
      decideChangeSettings(directory, A, { time_zone: 'Europe/Berlin', domains: ['a.example'] }, null, deps),
    ).toEqual({
      kind: 'nothing-to-do',
      response: {
        project_id: A,
        time_zone: 'Europe/Berlin',
        domains: ['a.example'],
        updated_at: new Date(10).toISOString(),
      },
    });
  });
});

describe('the directory of settings', () => {
  it('keeps the latest settings whatever order the records arrive in, and applies each idempotently', () => {
    const newer = changed({
      project_id: A,
      time_zone: 'Asia/Kolkata',
      domains: ['new.example'],
      changed_at: 20,
    });
    const older = changed({ project_id: A, time_zone: 'UTC', domains: ['old.example'], changed_at: 10 });
    const directory = directoryWith(project(A), newer, older, newer);
    expect(directory.settings(A)).toMatchObject({ time_zone: 'Asia/Kolkata', domains: ['new.example'] });
    expect(directory.domainOwner('new.example')).toBe(A);
    expect(directory.domainOwner('old.example')).toBeUndefined();
  });

  it('gives a domain claimed by two records to the first (a race of two instances), until it lets it go', () => {
    const directory = directoryWith(
      project(A),
      project(B),
      changed({ project_id: A, domains: ['x.example'], changed_at: 10 }),
      changed({ project_id: B, domains: ['x.example'], changed_at: 11 }),
    );
    expect(directory.domainOwner('x.example')).toBe(A);
    directory.apply(changed({ project_id: A, domains: [], changed_at: 12 }));
    expect(directory.domainOwner('x.example')).toBeUndefined();
  });
});
