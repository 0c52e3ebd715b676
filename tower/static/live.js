// Live updates for the tower's pages. One EventSource per page; each "parts" event carries the
// HTML of the page parts that changed, rendered and escaped by the server, by element id. The
// page's policy runs no script but this file, so the HTML cannot run any either.
(() => {
  const marker = document.getElementById('live');
  const status = document.getElementById('live-status');
  if (!marker || !marker.dataset.src || typeof EventSource === 'undefined') return;
  let said = '';
  const say = (text) => {
    // Only changes of state are announced: a screen reader should not hear every tick.
    if (status && text !== said) status.textContent = text;
    said = text;
  };
  // A part holding the focus (someone typing an abort reason) is updated when focus leaves it.
  const held = new Map();
  const apply = (el, html) => {
    if (el.contains(document.activeElement) && el.querySelector('form')) {
      held.set(el.id, html);
      return;
    }
    held.delete(el.id);
    el.innerHTML = html;
  };
  document.addEventListener('focusout', () => {
    setTimeout(() => {
      for (const [id, html] of held) {
        const el = document.getElementById(id);
        if (el) apply(el, html);
      }
    }, 0);
  });
  const es = new EventSource(marker.dataset.src);
  es.addEventListener('open', () => say('Live updates: on'));
  es.addEventListener('parts', (e) => {
    const parts = JSON.parse(e.data);
    for (const id of Object.keys(parts)) {
      const el = document.getElementById(id);
      if (el) apply(el, parts[id]);
    }
    document.body.dataset.liveAt = String(Date.now());
    say('Live updates: on');
  });
  es.addEventListener('state', (e) => say(e.data === 'on' ? 'Live updates: on' : `Live updates: ${e.data}`));
  es.addEventListener('error', () => say('Live updates: reconnecting…'));
})();
