import { describe, expect, it } from 'vitest';
import { ProjectSettings, type AnyEvent, type ProjectSettingsInput } from '@eventlens/contracts';
import { decideChangeSettings } from './decide';
import { createKeyDirectory } from './directory';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';

const project = (project_id: string): AnyEvent => ({
  type: 'ProjectCreated',
  value: { project_id, name: project_id, created_at: 1, created_by: null },
});
type Settings = Extract<AnyEvent, { type: 'ProjectSettingsChanged' }>['value'];
const changed = (value: Partial<Settings> & { project_id: string }): AnyEvent => ({
  type: 'ProjectSettingsChanged',
  value: {
    time_zone: 'UTC',
    domains: [],
    changed_at: 10,
    changed_by: null,
    goals: [],
    excluded_address_ranges: [],
    ...value,
  },
});
/** A PUT body as the route gives it to the decision: parsed, the lists defaulted. */
const body = (input: ProjectSettingsInput) => ProjectSettings.parse(input);

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
      body({ time_zone: 'Asia/Kolkata', domains: ['example.com'] }),
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
          goals: [],
          excluded_address_ranges: [],
        },
      },
      response: {
        project_id: A,
        time_zone: 'Asia/Kolkata',
        domains: ['example.com'],
        goals: [],
        excluded_address_ranges: [],
        updated_at: new Date(1_000).toISOString(),
      },
    });
  });

  it('refuses a project that does not exist', () => {
    expect(
      decideChangeSettings(directoryWith(), A, body({ time_zone: 'UTC', domains: [] }), null, deps),
    ).toEqual({
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
        body({ time_zone: 'UTC', domains: ['a.example', 'shop.example'] }),
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
        body({ time_zone: 'UTC', domains: ['shop.example', 'b.example'] }),
        null,
        deps,
      ).kind,
    ).toBe('append');
    directory.apply(changed({ project_id: B, domains: ['b.example'], changed_at: 20 }));
    expect(directory.domainOwner('shop.example')).toBeUndefined();
    expect(
      decideChangeSettings(directory, A, body({ time_zone: 'UTC', domains: ['shop.example'] }), null, deps)
        .kind,
    ).toBe('append');
  });

  it('appends nothing for the settings the project has already, answering them', () => {
    const directory = directoryWith(
      project(A),
      changed({ project_id: A, time_zone: 'Europe/Berlin', domains: ['a.example'] }),
    );
    expect(
      decideChangeSettings(
        directory,
        A,
        body({ time_zone: 'Europe/Berlin', domains: ['a.example'] }),
        null,
        deps,
      ),
    ).toEqual({
      kind: 'nothing-to-do',
      response: {
        project_id: A,
        time_zone: 'Europe/Berlin',
        domains: ['a.example'],
        goals: [],
        excluded_address_ranges: [],
        updated_at: new Date(10).toISOString(),
      },
    });
  });
});

describe('decideChangeSettings with goals and excluded ranges', () => {
  const full = body({
    time_zone: 'UTC',
    domains: [],
    goals: [
      { name: 'Signup', event_name: 'signup' },
      { name: 'Blog', page_path: '/blog/**' },
    ],
    excluded_address_ranges: ['203.0.113.0/24', '2001:DB8::/32'],
  });

  it('writes v2: each goal with the kind it is not null, the ranges normalised; answers them as sent', () => {
    const decision = decideChangeSettings(directoryWith(project(A)), A, full, null, deps);
    expect(decision).toMatchObject({
      kind: 'append',
      event: {
        value: {
          goals: [
            { name: 'Signup', event_name: 'signup', page_path: null },
            { name: 'Blog', event_name: null, page_path: '/blog/**' },
          ],
          excluded_address_ranges: ['203.0.113.0/24', '2001:db8::/32'],
        },
      },
      response: {
        goals: [
          { name: 'Signup', event_name: 'signup' },
          { name: 'Blog', page_path: '/blog/**' },
        ],
        excluded_address_ranges: ['203.0.113.0/24', '2001:db8::/32'],
      },
    });
  });

  it('appends nothing for the same goals and ranges, and appends for any change of them', () => {
    const first = decideChangeSettings(directoryWith(project(A)), A, full, null, deps);
    if (first.kind !== 'append') throw new Error('expected an append');
    const directory = directoryWith(project(A), first.event);
    expect(decideChangeSettings(directory, A, full, null, deps)).toEqual({
      kind: 'nothing-to-do',
      response: first.response,
    });
    const changes: ProjectSettingsInput[] = [
      { time_zone: 'UTC', domains: [], goals: full.goals, excluded_address_ranges: [] },
      { time_zone: 'UTC', domains: [], goals: [], excluded_address_ranges: full.excluded_address_ranges },
      { ...full, goals: [...full.goals].reverse() },
      { ...full, goals: [{ name: 'Signup', page_path: '/signup' }, full.goals[1]!] },
      { ...full, excluded_address_ranges: ['203.0.113.0/25'] },
    ];
    for (const change of changes) {
      expect(decideChangeSettings(directory, A, body(change), null, deps).kind).toBe('append');
    }
  });

  it('a PUT leaving the lists out replaces them with none (the body is the whole settings)', () => {
    const first = decideChangeSettings(directoryWith(project(A)), A, full, null, deps);
    if (first.kind !== 'append') throw new Error('expected an append');
    const directory = directoryWith(project(A), first.event);
    const decision = decideChangeSettings(directory, A, body({ time_zone: 'UTC', domains: [] }), null, deps);
    expect(decision).toMatchObject({
      kind: 'append',
      event: { value: { goals: [], excluded_address_ranges: [] } },
    });
  });
});

describe('the directory of excluded address ranges', () => {
  it('holds each project’s latest ranges, ready for matching; none without settings', () => {
    const directory = directoryWith(
      project(A),
      project(B),
      changed({ project_id: A, excluded_address_ranges: ['203.0.113.0/24', '2001:db8::/32'] }),
    );
    expect(directory.excludedRanges(A).ranges).toEqual(['203.0.113.0/24', '2001:db8::/32']);
    expect(directory.excludedRanges(A).contains('203.0.113.77')).toBe(true);
    expect(directory.excludedRanges(A).contains('::ffff:203.0.113.77')).toBe(true);
    expect(directory.excludedRanges(A).contains('2001:db8:1::5')).toBe(true);
    expect(directory.excludedRanges(A).contains('198.51.100.1')).toBe(false);
    expect(directory.excludedRanges(B).ranges).toEqual([]);
    expect(directory.excludedRanges(B).contains('203.0.113.77')).toBe(false);
    expect(directory.excludedRanges('unknown').contains('203.0.113.77')).toBe(false);
  });

  it('follows the latest record whatever the order, and forgets ranges a later record leaves out', () => {
    const newer = changed({ project_id: A, excluded_address_ranges: ['198.51.100.0/24'], changed_at: 20 });
    const older = changed({ project_id: A, excluded_address_ranges: ['203.0.113.0/24'], changed_at: 10 });
    const directory = directoryWith(project(A), newer, older);
    expect(directory.excludedRanges(A).contains('198.51.100.9')).toBe(true);
    expect(directory.excludedRanges(A).contains('203.0.113.9')).toBe(false);
    directory.apply(changed({ project_id: A, excluded_address_ranges: [], changed_at: 30 }));
    expect(directory.excludedRanges(A).contains('198.51.100.9')).toBe(false);
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
