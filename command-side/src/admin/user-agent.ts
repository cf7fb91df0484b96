/**
 * The User-Agent a console session keeps (ConsoleSessionStarted.user_agent), as its session list
 * shows it.
 */
import { isUtf8 } from 'node:buffer';
import { USER_AGENT_MAX } from '@eventlens/contracts';

/**
 * Node reads a header's bytes as Latin-1, so a browser's UTF-8 (`é`) would read `Ã©`: bytes that
 * are valid UTF-8 (ASCII among them) are read as UTF-8. Cut to USER_AGENT_MAX UTF-16 units, never
 * inside a surrogate pair (half a pair is no text: Avro would carry it as U+FFFD).
 */
export function sessionUserAgent(header: string): string {
  const bytes = Buffer.from(header, 'latin1');
  const text = isUtf8(bytes) ? bytes.toString('utf8') : header;
  const cut = text.slice(0, USER_AGENT_MAX);
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
}
