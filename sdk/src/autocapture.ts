import { cut, on, safe, type Metadata, type Plugin } from './client.js';

/**
 * Autocapture: clicks that carry intent, and form submissions.
 *
 * One delegated listener per event type on `document` (capture phase, so a handler that stops
 * propagation cannot hide a click). A click counts only when it lands in a `button`, an `a`, an input
 * button (`type` button or submit, its value as its text) or an element marked `data-eventlens`, also
 * inside open shadow roots (the event's composed path, not its target, which is the shadow host at the
 * document); clicks on wrappers, icons outside buttons or padding send nothing. A form's submit
 * button sends no click of its own: the submission is the intent, one
 * `form_submit` with the submitter's text, whether the form was sent by a click or by Enter (which makes
 * the browser click that button too). `submit` does not leave a shadow root, so the root of whatever is
 * clicked or focused gets the same submit listener (adding the same listener twice adds it once).
 */
export const autocapture: Plugin = (c) => {
  const d = c.w.document;

  const capture = (el: Element, name?: string, from?: Element | null) => {
    if (el.closest('[data-eventlens-ignore]')) return;
    const m: Metadata = {},
      tag = el.localName;
    // data-eventlens-plan="pro" → metadata.plan = "pro"
    for (const a of el.attributes) if (a.name.startsWith('data-eventlens-')) m[a.name.slice(15)] = a.value;
    m.tag = tag;
    // The attribute, not `el.id`: a form with a field named "id" gives that field for `form.id`.
    const id = el.getAttribute('id');
    if (id) m.id = id;
    // Visible text only: never text inside ignored parts, never a field's value (inputs have no text
    // nodes; textarea and select do, so they are skipped). Stops early on huge elements.
    const t = (from || el) as HTMLInputElement,
      walk = d.createTreeWalker(t, 4);
    let text = '',
      n: Node | null;
    while ((n = walk.nextNode()) && text.length < 1e3)
      if (!n.parentElement!.closest('[data-eventlens-ignore],textarea,select')) text += n.nodeValue;
    // An input button's label is its value (it has no text nodes); no other input's value is ever read.
    if (t.matches('input[type=button],input[type=submit]')) text = t.value;
    text = cut(text.replace(/\s+/g, ' ').trim(), 100);
    if (text) m.text = text;
    const href = (el as HTMLAnchorElement).href;
    if (tag == 'a' && typeof href == 'string') m.href = href;
    c.send((el as HTMLElement).dataset.eventlens || name || (tag == 'a' ? 'link_click' : 'button_click'), m);
  };

  const submit = safe((e: Event) =>
    capture(e.target as Element, 'form_submit', (e as SubmitEvent).submitter),
  );

  const watch = (e: Event) => {
    const path = e.composedPath() as HTMLButtonElement[];
    path[0]!.getRootNode().addEventListener('submit', submit, true);
    if (e.type != 'click') return;
    const el = path.find((n) =>
      n.matches?.('button,a,[data-eventlens],input[type=button],input[type=submit]'),
    );
    if (el && !(el.form && el.type == 'submit' && !el.dataset.eventlens)) capture(el);
  };
  d.addEventListener('submit', submit, true);
  on(d, 'click', watch);
  on(d, 'focusin', watch);
};
