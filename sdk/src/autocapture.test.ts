import { describe, expect, it } from 'vitest';
import { names, tab } from '../test/support.js';
import { autocapture } from './autocapture.js';

/** A page with autocapture on and `html` as its body. */
const page = (html: string) => {
  const t = tab({ plugins: [autocapture] });
  t.document.body.innerHTML = html;
  const $ = (selector: string) => t.document.querySelector(selector) as HTMLElement;
  const click = (selector: string) =>
    $(selector).dispatchEvent(
      new t.w.MouseEvent('click', { bubbles: true, cancelable: true }) as unknown as Event,
    );
  const events = () => t.net.events();
  return { ...t, $, click, events };
};

describe('clicks that carry intent', () => {
  it('a button click sends button_click with tag, id and trimmed text', () => {
    const p = page(`<button id="buy">  Buy
        now  </button>`);
    p.click('#buy');
    expect(p.events()).toMatchObject([
      { event_name: 'button_click', metadata: { tag: 'button', id: 'buy', text: 'Buy now' } },
    ]);
  });

  it('a click on an icon or a span inside a button counts as the button', () => {
    const p = page(
      `<button class="b"><svg><path id="icon"></path></svg><span id="label">Save</span></button>`,
    );
    p.click('#icon');
    p.click('#label');
    expect(p.events()).toMatchObject([
      { event_name: 'button_click', metadata: { tag: 'button', text: 'Save' } },
      { event_name: 'button_click', metadata: { tag: 'button', text: 'Save' } },
    ]);
  });

  it('a link click sends link_click with the absolute href', () => {
    const p = page(`<a id="docs" href="/docs?x=1">Read the docs</a>`);
    p.click('#docs');
    expect(p.events()).toMatchObject([
      {
        event_name: 'link_click',
        metadata: { tag: 'a', id: 'docs', text: 'Read the docs', href: 'https://shop.example/docs?x=1' },
      },
    ]);
  });

  it('data-eventlens names the event and data-eventlens-* become metadata', () => {
    const p = page(
      `<button id="cta" data-eventlens="signup_cta" data-eventlens-plan="pro" data-eventlens-billing-cycle="yearly">Start</button>`,
    );
    p.click('#cta');
    expect(p.events()).toEqual([
      expect.objectContaining({
        event_name: 'signup_cta',
        metadata: { plan: 'pro', 'billing-cycle': 'yearly', tag: 'button', id: 'cta', text: 'Start' },
      }),
    ]);
  });

  it('any element marked data-eventlens counts, named by its value', () => {
    const p = page(`<div class="card" data-eventlens="pricing_card"><h3 id="h">Team</h3></div>`);
    p.click('#h');
    expect(p.events()).toMatchObject([
      { event_name: 'pricing_card', metadata: { tag: 'div', text: 'Team' } },
    ]);
  });

  it('clicks on anything else send nothing: plain divs, wrappers around buttons, icons, the body', () => {
    const p = page(`
      <div id="plain">Just text</div>
      <div id="wrapper" style="padding: 20px"><button id="inner">OK</button></div>
      <svg id="lonely-icon"><circle id="dot"></circle></svg>
      <p><span id="span">text</span></p>`);
    for (const s of ['#plain', '#wrapper', '#lonely-icon', '#dot', '#span', 'body']) p.click(s);
    expect(p.net.sent).toHaveLength(0);
    p.click('#inner');
    expect(names(p.net)).toEqual(['button_click']);
  });

  it('keeps text to 100 characters, whitespace collapsed', () => {
    const p = page(`<button id="b">${'word '.repeat(60)}</button>`);
    p.click('#b');
    const text = p.events()[0]!.metadata!.text as string;
    expect(text).toHaveLength(100);
    expect(text).toBe('word '.repeat(60).trim().slice(0, 100));
  });

  it('never cuts text in the middle of a character', () => {
    const p = page(`<button id="b">${'a'.repeat(99)}😀 and more</button>`);
    p.click('#b');
    expect(p.events()[0]!.metadata!.text).toBe('a'.repeat(99));
  });

  it('never sends what a visitor typed: no input, textarea or select values', () => {
    const p = page(`
      <div data-eventlens="search_box" id="box">
        <label>Search <input id="q" value="my secret query"></label>
        <textarea id="t">secret notes</textarea>
        <select id="s"><option selected>secret option</option></select>
      </div>`);
    (p.$('#q') as HTMLInputElement).value = 'typed secret';
    (p.$('#t') as HTMLTextAreaElement).value = 'typed secret notes';
    p.click('#q');
    expect(p.events()).toHaveLength(1);
    expect(p.events()[0]!.metadata).toEqual({ tag: 'div', id: 'box', text: 'Search' });
    expect(p.net.sent[0]!.body).not.toContain('secret');
  });

  it('sends nothing from inside data-eventlens-ignore, and leaves ignored text out', () => {
    const p = page(`
      <section data-eventlens-ignore><button id="hidden">Delete account</button><a id="l" href="/x">x</a></section>
      <button id="pay">Pay <span data-eventlens-ignore>4242 4242 4242 4242</span></button>`);
    p.click('#hidden');
    p.click('#l');
    expect(p.net.sent).toHaveLength(0);
    p.click('#pay');
    expect(p.events()).toMatchObject([{ event_name: 'button_click', metadata: { text: 'Pay' } }]);
    expect(p.net.sent[0]!.body).not.toContain('4242');
  });

  it('sees clicks the page stops from propagating (one listener on document, capture phase)', () => {
    const p = page(`<button id="b">Go</button>`);
    p.$('#b').addEventListener('click', (e) => e.stopPropagation());
    p.click('#b');
    expect(names(p.net)).toEqual(['button_click']);
  });

  it('never throws into the page, whatever the target', () => {
    const p = page(`<p id="p">text</p>`);
    const text = p.$('#p').firstChild!;
    expect(() =>
      text.dispatchEvent(new p.w.MouseEvent('click', { bubbles: true }) as unknown as Event),
    ).not.toThrow();
    expect(() =>
      p.document.dispatchEvent(new p.w.MouseEvent('click', { bubbles: true }) as unknown as Event),
    ).not.toThrow();
    expect(p.net.sent).toHaveLength(0);
  });
});

describe('form submissions', () => {
  it('send form_submit with tag and id, and never the values', () => {
    const p = page(`
      <form id="signup"><input name="email" value="jane@example.com"><input type="password" value="hunter22">
      <button type="submit" id="go">Sign up</button></form>`);
    p.$('#signup').addEventListener('submit', (e) => e.preventDefault());
    p.$('#signup').dispatchEvent(
      new p.w.Event('submit', { bubbles: true, cancelable: true }) as unknown as Event,
    );
    expect(p.events()).toMatchObject([
      { event_name: 'form_submit', metadata: { tag: 'form', id: 'signup' } },
    ]);
    expect(p.net.sent[0]!.body).not.toMatch(/jane|hunter/);
  });

  it("a form's id is its attribute, even when one of its fields is named id", () => {
    const p = page(
      `<form id="crud"><input type="hidden" name="id" value="42"><button id="save">Save</button></form>`,
    );
    (p.document.getElementById('save') as unknown as HTMLElement).click();
    expect(p.events().map((e) => [e.event_name, e.metadata])).toEqual([
      ['form_submit', { tag: 'form', id: 'crud', text: 'Save' }],
    ]);
  });

  it('are named by data-eventlens and carry data-eventlens-* like clicks', () => {
    const p = page(
      `<form id="f" data-eventlens="newsletter" data-eventlens-list="weekly"><input value="x"></form>`,
    );
    p.$('#f').dispatchEvent(new p.w.Event('submit', { bubbles: true, cancelable: true }) as unknown as Event);
    expect(p.events()).toMatchObject([
      { event_name: 'newsletter', metadata: { tag: 'form', id: 'f', list: 'weekly' } },
    ]);
  });

  it('inside data-eventlens-ignore send nothing', () => {
    const p = page(`<div data-eventlens-ignore><form id="f"></form></div>`);
    p.$('#f').dispatchEvent(new p.w.Event('submit', { bubbles: true, cancelable: true }) as unknown as Event);
    expect(p.net.sent).toHaveLength(0);
  });
});

describe('one intent, one event', () => {
  it('a click on a submit button sends form_submit with the button text, and no button_click', () => {
    const p = page(`<form id="signup"><input name="email" value="jane@example.com">
      <button id="go">Sign <b>up</b></button><button type="button" id="other">Show password</button></form>`);
    p.$('#signup').addEventListener('submit', (e) => e.preventDefault());
    p.click('#go');
    p.click('#other');
    expect(p.events()).toMatchObject([
      { event_name: 'form_submit', metadata: { tag: 'form', id: 'signup', text: 'Sign up' } },
      { event_name: 'button_click', metadata: { id: 'other' } },
    ]);
    expect(p.net.sent[0]!.body).not.toContain('jane');
  });

  it('an input button counts as a button, its value as its text; an input submit button names the submission', () => {
    const p = page(`<input type="button" id="more" value="  Load   more ">
      <form id="news"><input name="email" value="jane@example.com"><input type="submit" value="Subscribe"></form>
      <input type="text" id="field" data-eventlens="typed" value="secret">`);
    p.$('#news').addEventListener('submit', (e) => e.preventDefault());
    p.click('#more');
    p.click('#news input[type=submit]');
    // A marked text field is clicked too: its value is typed, never sent.
    p.click('#field');
    expect(p.events()).toMatchObject([
      { event_name: 'button_click', metadata: { tag: 'input', id: 'more', text: 'Load more' } },
      { event_name: 'form_submit', metadata: { tag: 'form', id: 'news', text: 'Subscribe' } },
      { event_name: 'typed', metadata: { tag: 'input', id: 'field' } },
    ]);
    expect(p.events()).toHaveLength(3);
    expect(p.events()[2]!.metadata).not.toHaveProperty('text');
    expect(p.net.sent.map((r) => r.body).join()).not.toMatch(/jane|secret/);
  });

  it('a submission without a submitter (Enter in a lone field, requestSubmit) carries the form text', () => {
    const p = page(`<form id="f"><label>Search <input name="q" value="secret"></label></form>`);
    p.$('#f').addEventListener('submit', (e) => e.preventDefault());
    p.$('#f').dispatchEvent(new p.w.Event('submit', { bubbles: true, cancelable: true }) as unknown as Event);
    expect(p.events()).toMatchObject([{ event_name: 'form_submit', metadata: { text: 'Search' } }]);
  });

  it('a submit button marked data-eventlens still sends its own event', () => {
    const p = page(`<form id="f"><button id="go" data-eventlens="checkout">Pay</button></form>`);
    p.$('#f').addEventListener('submit', (e) => e.preventDefault());
    p.click('#go');
    expect(names(p.net)).toEqual(['checkout', 'form_submit']);
  });
});

describe('inside open shadow roots', () => {
  const shadow = (html: string) => {
    const p = page(`<my-widget id="host"></my-widget>`);
    const root = p.$('#host').attachShadow({ mode: 'open' });
    root.innerHTML = html;
    const click = (selector: string) =>
      (root.querySelector(selector) as HTMLElement).dispatchEvent(
        new p.w.MouseEvent('click', { bubbles: true, cancelable: true, composed: true }) as unknown as Event,
      );
    return { ...p, root, click };
  };

  it('a click on a button sends button_click with its own text and id, not the host', () => {
    const p = shadow(
      `<div><button id="buy"><span id="label">Buy now</span></button><p id="plain">x</p></div>`,
    );
    p.click('#label');
    p.click('#plain');
    expect(p.events()).toMatchObject([
      { event_name: 'button_click', metadata: { tag: 'button', id: 'buy', text: 'Buy now' } },
    ]);
  });

  it('a form submitted by its button sends form_submit', () => {
    const p = shadow(`<form id="f"><input value="secret"><button id="go">Join</button></form>`);
    p.root.querySelector('form')!.addEventListener('submit', (e) => e.preventDefault());
    p.click('#go');
    expect(p.events()).toMatchObject([
      { event_name: 'form_submit', metadata: { tag: 'form', id: 'f', text: 'Join' } },
    ]);
    expect(p.net.sent[0]!.body).not.toContain('secret');
  });
});
