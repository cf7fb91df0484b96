import express, { type ErrorRequestHandler } from 'express';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  bodyParserError,
  createErrorHandler,
  errorBody,
  malformedQuery,
  pathDecodeError,
} from './http-errors';

describe('errorBody', () => {
  it('is the shared shape, fields only when given', () => {
    expect(errorBody('NOT_FOUND', 'no route')).toEqual({ error: { code: 'NOT_FOUND', message: 'no route' } });
    expect(errorBody('INVALID_FIELD', 'x: bad', [{ field: 'x', message: 'bad' }]).error.fields).toHaveLength(
      1,
    );
  });
});

describe('pathDecodeError', () => {
  it("is Express's refusal of a path parameter that does not decode, and nothing else", () => {
    // What Express's router throws for /x/%ZZ (its decode_param).
    const express = Object.assign(new URIError("Failed to decode param '%ZZ'"), {
      status: 400,
      statusCode: 400,
    });
    expect(pathDecodeError(express)).toMatchObject({ status: 400, code: 'INVALID_FIELD' });
    expect(pathDecodeError(express)?.message).toMatch(/^the URL is not valid percent-encoding/);
    expect(pathDecodeError(new URIError('URI malformed'))).toBeUndefined();
    expect(pathDecodeError(Object.assign(new Error('other'), { status: 400 }))).toBeUndefined();
    expect(pathDecodeError(null)).toBeUndefined();
  });
});

describe('malformedQuery', () => {
  it('names the first parameter whose key or value is not percent-encoded UTF-8, which Express would read as U+FFFD', () => {
    expect(malformedQuery('/v1/events?user_id=%FF')?.parameter).toBe('user_id');
    expect(malformedQuery('/v1/events?a=1&b=%ED%A0%80')?.parameter).toBe('b'); // a surrogate's bytes
    expect(malformedQuery('/v1/events?q=100%')?.parameter).toBe('q'); // node:querystring keeps a stray %
    expect(malformedQuery('/x?%E0%A4%A=1')?.parameter).toBe('"%E0%A4%A"');
    const answer = pathDecodeError(malformedQuery('/x?from=%C0%80'));
    expect(answer).toMatchObject({ status: 400, code: 'INVALID_FIELD', fields: [{ field: 'from' }] });
    expect(answer?.message).toMatch(/^the query parameter from is not valid percent-encoding/);
  });

  it('passes every well-formed query string', () => {
    for (const url of [
      '/x',
      '/x?',
      '/x?a=1&b=2',
      '/x?q=100%25&s=a+b',
      '/x?flag&e=%F0%9F%98%80',
      '/x?a==b&&c=',
    ])
      expect(malformedQuery(url), url).toBeUndefined();
  });
});

describe('bodyParserError', () => {
  it("tells a bare JSON value that express.json's strict mode refused from text that is no JSON", async () => {
    const refusals: unknown[] = [];
    const app = express();
    app.post('/', express.json(), (_req, res) => void res.end());
    app.use(((error, req, res, _next) => {
      refusals.push(bodyParserError(error, req.headers['content-encoding']));
      res.status(400).end();
    }) as ErrorRequestHandler);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      for (const body of ['null', '5', '"x"', '{"a":', 'nul'])
        await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    } finally {
      server.close();
    }
    expect(refusals).toEqual([
      ...['null', '5', '"x"'].map(() => ({
        status: 400,
        code: 'INVALID_JSON',
        message: 'the body must be a JSON object',
      })),
      ...['{"a":', 'nul'].map(() => ({
        status: 400,
        code: 'INVALID_JSON',
        message: 'the body is not valid JSON',
      })),
    ]);
  });

  it('maps body-parser failures to the shared codes and ignores anything else', () => {
    expect(bodyParserError({ type: 'entity.parse.failed', status: 400 }, undefined)?.code).toBe(
      'INVALID_JSON',
    );
    expect(bodyParserError({ type: 'entity.too.large', status: 413, limit: 10 }, undefined)).toMatchObject({
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(bodyParserError({ type: 'encoding.unsupported', status: 415 }, 'zstd')).toMatchObject({
      status: 415,
      message: 'Content-Encoding zstd is not supported; accepted: identity, gzip, deflate, br',
    });
    expect(bodyParserError({ status: 400, code: 'Z_DATA_ERROR' }, 'gzip')?.code).toBe(
      'INVALID_BODY_ENCODING',
    );
    expect(bodyParserError({ status: 400, code: 'Z_DATA_ERROR' }, 'identity')).toBeUndefined();
    expect(bodyParserError(new Error('bug'), undefined)).toBeUndefined();
  });
});

describe('createErrorHandler', () => {
  it('answers known failures in the shared shape and anything else as a 500 with an id, logged', async () => {
    const logged: Record<string, unknown>[] = [];
    const answered: string[] = [];
    const app = express();
    app.get('/known', () => {
      throw Object.assign(new Error('slow down'), { known: true });
    });
    app.get('/bug', () => {
      throw new Error('secret at /srv/app.ts:12');
    });
    app.use(
      createErrorHandler({
        classify: (error) =>
          (error as { known?: boolean }).known
            ? { status: 429, code: 'RATE_LIMITED', message: 'slow down', retryAfterS: 2 }
            : undefined,
        logger: { error: (_message, fields) => void logged.push(fields ?? {}) },
        onAnswer: (answer) => void answered.push(answer.code),
      }),
    );
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const known = await fetch(`${base}/known`);
      expect(known.status).toBe(429);
      expect(known.headers.get('retry-after')).toBe('2');
      expect(await known.json()).toEqual({ error: { code: 'RATE_LIMITED', message: 'slow down' } });
      const bug = await fetch(`${base}/bug`);
      const text = await bug.text();
      expect(bug.status).toBe(500);
      expect(text).not.toContain('secret');
      const id = (JSON.parse(text) as { error: { message: string } }).error.message.match(/id ([\w-]+)/)?.[1];
      expect(logged).toEqual([expect.objectContaining({ errorId: id, path: '/bug' })]);
      expect(answered).toEqual(['RATE_LIMITED', 'INTERNAL']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
