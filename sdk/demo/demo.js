// The demo site's own behaviour: a router under its base path (history.pushState, plus hash routes in
// its app), a form that stays on the page, a custom event, and a widget in a shadow root.
// (A separate file, not an inline script, so that the page keeps its strict Content-Security-Policy.)

// Where the site lives (/demo/ in the console): this script is served from there.
const base = new URL('.', document.currentScript.src).pathname;
const titles = { '/': 'Home', '/pricing': 'Pricing', '/docs': 'Docs', '/about': 'About us', '/app': 'App' };
const appRoutes = { '#/settings': 'Settings', '#/billing': 'Billing' };

/** The page within the site: "/", "/pricing", "/app", … or undefined outside it. */
function page() {
  const path = location.pathname;
  if (!(path + '/').startsWith(base)) return undefined;
  const rest = '/' + path.slice(base.length);
  return rest == '/index.html' ? '/' : rest.length > 1 ? rest.replace(/\/$/, '') : rest;
}

const status = (text) => (document.getElementById('status').textContent = text);

function render() {
  const current = page();
  const known = current in titles;
  let title = known ? titles[current] : 'Page not found';
  if (current == '/app') {
    const route = appRoutes[location.hash] ?? 'Overview';
    title = `App: ${route}`;
    document.getElementById('app-view').textContent = `The ${route.toLowerCase()} screen of the app.`;
    for (const a of document.querySelectorAll('nav.sub a'))
      if (a.hash == location.hash) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
  }
  document.getElementById('title').textContent = title;
  document.title = `${title} · EventLens demo shop`;
  for (const section of document.querySelectorAll('section[data-page]'))
    section.hidden = section.dataset.page != (known ? current : '404');
  for (const a of document.querySelectorAll('header a[data-spa]')) {
    if (a.pathname == location.pathname) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

// In-site links: history.pushState, no page load.
document.addEventListener('click', (event) => {
  const link = event.target.closest('a[data-spa]');
  if (!link || event.metaKey || event.ctrlKey || event.shiftKey) return;
  event.preventDefault();
  if (link.pathname + link.hash != location.pathname + location.hash)
    history.pushState({}, '', link.pathname + link.hash);
  render();
});
window.addEventListener('popstate', render);
window.addEventListener('hashchange', render);

document.getElementById('newsletter').addEventListener('submit', (event) => {
  event.preventDefault();
  status('Thanks for subscribing (the address itself is never sent).');
});

document.getElementById('custom').addEventListener('click', () => {
  window.eventlens?.track('demo_custom_event', { source: 'demo', at: new Date().toISOString() });
  status('Sent demo_custom_event with eventlens.track().');
});

// A web component with an open shadow root: the SDK sees its button and its form all the same.
customElements.define(
  'demo-help',
  class extends HTMLElement {
    connectedCallback() {
      if (this.shadowRoot) return;
      const root = this.attachShadow({ mode: 'open' });
      root.innerHTML = `<style>
          button { font: inherit; padding: 0.4rem 0.8rem; border-radius: 6px; border: 1px solid #8a94ad; background: #fff; cursor: pointer; }
          form { display: flex; gap: 0.5rem; margin-top: 0.5rem; }
          input { font: inherit; padding: 0.35rem; border: 1px solid #8a94ad; border-radius: 6px; }
        </style>
        <button id="chat" type="button">Chat with us</button>
        <form id="callback"><input id="phone" type="tel" placeholder="Your phone number" /><button id="call">Call me back</button></form>
        <p id="said" aria-live="polite"></p>`;
      const said = root.getElementById('said');
      root
        .getElementById('chat')
        .addEventListener('click', () => (said.textContent = 'A person will be with you shortly.'));
      root.getElementById('callback').addEventListener('submit', (event) => {
        event.preventDefault();
        said.textContent = 'We will call you back (the number itself is never sent).';
      });
    }
  },
);

render();
