// The demo page's own behaviour: pushState navigation, a form that stays on the page, a custom event.
// (A separate file, not an inline script, so that the page keeps its strict Content-Security-Policy.)
const titles = {
  '/': 'Home',
  '/index.html': 'Home',
  '/pricing': 'Pricing',
  '/docs': 'Docs',
  '/about': 'About us',
};
const status = (text) => (document.getElementById('status').textContent = text);

function render() {
  document.getElementById('title').textContent = titles[location.pathname] ?? 'Not found';
  for (const a of document.querySelectorAll('a[data-spa]')) {
    if (a.pathname == location.pathname) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

document.addEventListener('click', (event) => {
  const link = event.target.closest('a[data-spa]');
  if (!link || event.metaKey || event.ctrlKey || event.shiftKey) return;
  event.preventDefault();
  if (link.pathname != location.pathname) history.pushState({}, '', link.pathname);
  render();
});
window.addEventListener('popstate', render);

document.getElementById('newsletter').addEventListener('submit', (event) => {
  event.preventDefault();
  status('Thanks for subscribing (the address itself is never sent).');
});

document.getElementById('custom').addEventListener('click', () => {
  window.eventlens?.track('demo_custom_event', { source: 'demo', at: new Date().toISOString() });
  status('Sent demo_custom_event with eventlens.track().');
});

render();
