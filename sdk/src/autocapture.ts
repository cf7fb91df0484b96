import type { Metadata, Plugin } from './client.js';

/**
 * Autocapture: clicks that carry intent, and form submissions.
 *
 * One delegated listener per event type on `document` (capture phase, so a handler that stops
 * propagation cannot hide a click). A click counts only when it lands in a `button`, an `a` or an
 * element marked `data-eventlens`; clicks on wrappers, icons outside buttons or padding send nothing.
 */
export const autocapture: Plugin = (c) => {
  const d = c.w.document;

  const capture = (el: Element, name?: string) => {
    if (el.closest('[data-eventlens-ignore]')) return;
    const m: Metadata = {},
      tag = el.localName;
    // data-eventlens-plan="pro" → metadata.plan = "pro"
    for (const a of el.attributes) if (a.name.startsWith('data-eventlens-')) m[a.name.slice(15)] = a.value;
    m.tag = tag;
    if (el.id) m.id = el.id;
    // Visible text only: never text inside ignored parts, never a field's value (inputs have no text
    // nodes; textarea and select do, so they are skipped). Stops early on huge elements.
    const walk = d.createTreeWalker(el, 4);
    let text = '',
      n: Node | null;
    while ((n = walk.nextNode()) && text.length < 1e3)
      if (!n.parentElement!.closest('[data-eventlens-ignore],textarea,select')) text += n.nodeValue;
    text = text.replace(/\s+/g, ' ').trim().slice(0, 100);
    if (text) m.text = text;
    const href = (el as HTMLAnchorElement).href;
    if (tag == 'a' && typeof href == 'string') m.href = href;
    c.send((el as HTMLElement).dataset.eventlens || name || (tag == 'a' ? 'link_click' : 'button_click'), m);
  };

  c.on(d, 'click', (e) => {
    const el = (e.target as Element).closest('button,a,[data-eventlens]');
    if (el) capture(el);
  });
  c.on(d, 'submit', (e) => capture(e.target as Element, 'form_submit'));
};
