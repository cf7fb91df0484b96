/**
 * The console's API types are generated (scripts/api-types.ts) from the two OpenAPI documents: the
 * command side's checked-in one (kept current by the command side's own test) and the query side's,
 * built from its routes. Each written file must be exactly what the generator makes now: a route or
 * schema changed on either side without `npm run api:types -w console` fails here.
 */
import { describe, expect, test } from 'vitest';
import { generateApiFiles, headerNames, staleFiles } from '../scripts/api-types';

describe('generated API types', () => {
  test(
    'every generated file is up to date with both APIs',
    async () => {
      const files = await generateApiFiles();
      expect(files.map((f) => f.path).sort()).toEqual([
        'console/src/api/command-api.generated.ts',
        'console/src/api/headers.generated.ts',
        'console/src/api/query-api.generated.ts',
        'query-side/openapi.json',
      ]);
      expect(await staleFiles(files), 'stale: run npm run api:types -w console').toEqual([]);
    },
    // Two services' modules, an HTTP round trip and openapi-typescript, on a busy 2-core machine.
    120_000,
  );

  test('the header names come from where each document defines them', () => {
    const command = {
      openapi: '3.0.3',
      info: { title: 'c', version: '1' },
      components: { securitySchemes: { csrf: { type: 'apiKey', in: 'header', name: 'x-csrf' } } },
    } as const;
    const projectRoute = (header: string) => ({
      get: {
        parameters: [
          { name: 'project_id', in: 'query' },
          { name: header, in: 'header' },
        ],
        responses: {},
      },
    });
    const query = (paths: Record<string, unknown>) =>
      ({ openapi: '3.0.3', info: { title: 'q', version: '1' }, paths }) as never;

    expect(
      headerNames(command as never, query({ '/a': projectRoute('x-p'), '/b': projectRoute('x-p') })),
    ).toEqual({
      csrf: 'x-csrf',
      project: 'x-p',
    });
    expect(() =>
      headerNames(command as never, query({ '/a': projectRoute('x-p'), '/b': projectRoute('x-q') })),
    ).toThrow(/one project header/);
    expect(() => headerNames({ ...command, components: {} } as never, query({}))).toThrow(/csrf/);
  });
});
