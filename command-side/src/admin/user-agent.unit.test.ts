import { USER_AGENT_MAX } from '@eventlens/contracts';
import { describe, expect, it } from 'vitest';
import { sessionUserAgent } from './user-agent';

/** What Node hands over for a header whose bytes are the UTF-8 of `text`: each byte as a Latin-1 character. */
const asNodeReadsIt = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

describe('the User-Agent a console session keeps', () => {
  it('is the UTF-8 the browser sent, not its bytes read as Latin-1', () => {
    expect(sessionUserAgent(asNodeReadsIt('Mozilla é 😀'))).toBe('Mozilla é 😀');
    expect(sessionUserAgent('Mozilla/5.0 (X11)')).toBe('Mozilla/5.0 (X11)');
    // Latin-1 that is not UTF-8 stays as Node read it.
    expect(sessionUserAgent('caf\u00e9')).toBe('caf\u00e9');
  });

  it('is cut to the limit, never inside a surrogate pair', () => {
    const long = `${'a'.repeat(USER_AGENT_MAX - 1)}😀 and more`;
    const cut = sessionUserAgent(asNodeReadsIt(long));
    expect(cut).toBe('a'.repeat(USER_AGENT_MAX - 1));
    expect(sessionUserAgent('b'.repeat(USER_AGENT_MAX + 10))).toHaveLength(USER_AGENT_MAX);
  });
});
