/**
 * Which requests are bot traffic, from the request's own `User-Agent`, classified by the `isbot`
 * library (its pattern list is kept up to date by its maintainers; we add no rules of our own).
 *
 * Only browser-form User-Agents (`Mozilla/…`) are classified. Events reach the API from two kinds of
 * sender: a page running the SDK, whose User-Agent is the visitor's browser, and a server sending
 * its own events (curl, a back-end library), whose User-Agent says nothing about the visitor — isbot
 * calls every such client a bot, which would drop all server-side tracking. Crawlers that run the
 * SDK (Googlebot renders pages) and automated browsers (HeadlessChrome) do use the browser form.
 *
 * Plausible's Events API (`POST /api/event`) is the exception: its User-Agent is the visitor's by
 * definition (Plausible requires it, and a server integration forwards the visitor's), so there
 * every form is classified, as Plausible classifies it: `curl/…` or `Googlebot/2.1` is a bot.
 */
import { isbotMatch } from 'isbot';

/**
 * The part of the User-Agent that isbot recognised (`Headless`, `Googlebot`…), or undefined for a
 * visitor. `visitorsOwn`: the User-Agent is the visitor's whatever its form (`/api/event`, above).
 */
export function botOf(
  userAgent: string | undefined,
  options: { visitorsOwn?: boolean } = {},
): string | undefined {
  if (userAgent === undefined) return undefined;
  if (!options.visitorsOwn && !userAgent.startsWith('Mozilla/')) return undefined;
  return isbotMatch(userAgent) ?? undefined;
}
