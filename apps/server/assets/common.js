// Shared by the billing pages: the token hand-off, API calls and their errors, the page states,
// toasts, dialogs and formatting. Plain JavaScript, no build step; every element is built with
// the DOM API, never from HTML strings, so nothing the API returns can inject markup.
'use strict';

const Billing = (() => {
  const TOKEN_KEY = 'billing.token';

  // The host app hands the token over in the fragment, which browsers never send to servers.
  // It is kept for this tab only and taken out of the address bar once read, so it is not in
  // later bookmarks, shared links or screenshots. replaceState rewrites the current history
  // entry, but a browser may already have recorded the address with the token (its history
  // list, a session restore), so the protection is the token's short lifetime, not this.
  (function takeTokenFromFragment() {
    const fragment = new URLSearchParams(location.hash.slice(1));
    const token = fragment.get('token');
    if (token) {
      sessionStorage.setItem(TOKEN_KEY, token);
      history.replaceState(history.state, '', location.pathname + location.search);
    }
  })();

  class ApiError extends Error {
    constructor(status, code, message, body) {
      super(message);
      this.status = status;
      this.code = code;
      this.body = body || {};
    }
  }

  class SessionExpired extends Error {}

  function sentence(text) {
    const trimmed = String(text || '').trim();
    if (!trimmed) return '';
    const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
    return /[.!?]$/.test(capital) ? capital : capital + '.';
  }

  // What a person can do about each kind of failure, rather than a status code.
  function explain(status, body, retryAfter) {
    if (status === 429) {
      const wait = Number(retryAfter) > 0 ? `in ${retryAfter} second${Number(retryAfter) === 1 ? '' : 's'}` : 'in a minute';
      return `Too many changes in a short time. Nothing was changed; try again ${wait}.`;
    }
    if (status === 504) return 'The payment provider took too long to answer. Nothing was changed; try again in a moment.';
    if (status === 502) return 'The payment provider could not complete the request. Nothing was changed; try again in a moment.';
    if (status === 503) return 'Billing is unavailable right now. Try again in a moment.';
    if (status >= 500) return 'Something went wrong on our side. Try again, and contact support if it keeps happening.';
    return sentence(body.message) || `The request failed (${status}).`;
  }

  async function readError(response) {
    let body = {};
    try {
      body = await response.json();
    } catch (_) {
      body = {};
    }
    const message = explain(response.status, body, response.headers.get('Retry-After'));
    return new ApiError(response.status, body.error || 'http_' + response.status, message, body);
  }

  const token = () => sessionStorage.getItem(TOKEN_KEY);

  // An expired token can be exchanged for a fresh one within the refresh window.
  async function refresh() {
    const current = token();
    if (!current) return false;
    try {
      const response = await fetch('/api/auth/refresh', { method: 'POST', headers: { Authorization: 'Bearer ' + current } });
      if (!response.ok) return false;
      const body = await response.json();
      sessionStorage.setItem(TOKEN_KEY, body.token);
      return true;
    } catch (_) {
      return false;
    }
  }

  async function call(method, path, body, retried) {
    const current = token();
    if (!current) throw new SessionExpired();
    const headers = { Authorization: 'Bearer ' + current, Accept: 'application/json' };
    const init = { method, headers, cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (_) {
      throw new ApiError(0, 'network', 'The billing server could not be reached. Check your connection and try again.');
    }
    if (response.status === 401) {
      const error = await readError(response);
      if (!retried && error.code === 'token_expired' && (await refresh())) return call(method, path, body, true);
      throw new SessionExpired();
    }
    if (!response.ok) throw await readError(response);
    return response.json();
  }

  const api = {
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body === undefined ? {} : body),
    del: (path) => call('DELETE', path),
  };

  function el(tag, attributes, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === false || value === null || value === undefined) continue;
      if (name === 'class') node.className = value;
      else if (name === 'text') node.textContent = value;
      else node.setAttribute(name, value === true ? '' : value);
    }
    for (const child of [].concat(children || [])) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  const $ = (id) => document.getElementById(id);

  function show(id) {
    for (const state of ['loading', 'expired', 'failure', 'content']) {
      const node = $(state);
      if (node) node.hidden = state !== id;
    }
  }

  function showExpired() {
    for (const dialog of document.querySelectorAll('dialog[open]')) dialog.close();
    show('expired');
    $('expired-title').focus();
  }

  // Every URL the API hands over passes here before it becomes a link or a navigation: only
  // http(s) is let through, so a `javascript:` or `data:` URL can never run in this page.
  function safeUrl(url) {
    if (!url) return null;
    try {
      const parsed = new URL(String(url), location.href);
      return ['https:', 'http:'].includes(parsed.protocol) ? parsed.href : null;
    } catch (_) {
      return null;
    }
  }

  // A short confirmation goes away by itself. A toast with a link to follow or an error to read
  // stays until it is closed, since people need their own time for those (WCAG 2.2.1).
  function toast(message, kind, link) {
    const close = el('button', { type: 'button', text: 'Close' });
    const href = link && safeUrl(link.href);
    const anchor = href ? el('a', { href, target: link.target || '_blank', rel: 'noopener', text: link.text }) : null;
    const text = el('p', { text: message + (anchor ? ' ' : '') }, anchor);
    const node = el('div', { class: 'toast ' + (kind || 'info'), role: kind === 'error' ? 'alert' : null }, [text, close]);
    close.addEventListener('click', () => node.remove());
    $('toasts').append(node);
    if (!anchor && kind !== 'error') setTimeout(() => node.remove(), 10000);
    return node;
  }

  let pageLoad = null;

  // Runs `load` and shows its outcome: the page, the expired state, or a readable failure.
  async function start(load) {
    pageLoad = load;
    const run = async () => {
      show('loading');
      try {
        await load();
        show('content');
      } catch (error) {
        if (error instanceof SessionExpired) return showExpired();
        $('failure-message').textContent = error instanceof ApiError ? error.message : 'Something went wrong while loading this page.';
        show('failure');
        $('failure-title').focus();
      }
    };
    $('failure-retry').addEventListener('click', run);
    if (!token()) return showExpired();
    await run();
  }

  // Reports a failed action: the expired state for a lost session, else a toast.
  function failed(error) {
    if (error instanceof SessionExpired) return showExpired();
    toast(error instanceof ApiError ? error.message : 'Something went wrong. Try again.', 'error');
  }

  // Loads the page again after an action changed something. The page already shows, so a
  // failure is reported like a failed action rather than replacing the page.
  async function reload() {
    try {
      await pageLoad();
    } catch (error) {
      failed(error);
    }
  }

  // Disables `button` while `action` runs, so a second click cannot repeat it.
  async function busy(button, action) {
    if (button.getAttribute('aria-busy') === 'true') return;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    try {
      await action();
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  }

  // Stripe's Checkout and Customer Portal refuse to load in frames, so they open at the top
  // level. A browser that refuses the navigation from a frame gets a link to click instead.
  // A frame may only set `href` on (or `replace`) another origin's location: `assign` throws
  // whenever the host app is on an origin of its own.
  function goTop(url, label) {
    const href = safeUrl(url);
    if (!href) return toast('The payment provider sent an address this page will not open. Contact support.', 'error');
    try {
      window.top.location.href = href;
    } catch (_) {
      toast('Your browser blocked opening the page from this frame.', 'info', { href, target: '_top', text: label || 'Continue' });
    }
  }

  async function openPortal(button) {
    await busy(button, async () => {
      try {
        const portal = await api.get('/api/billing/checkout');
        goTop(portal.portal_url, 'Open the billing portal');
      } catch (error) {
        failed(error);
      }
    });
  }

  // Opens a modal dialog; the browser keeps focus inside it and Escape closes it. Focus goes
  // back to what opened it.
  function openDialog(dialog, focus) {
    const opener = document.activeElement;
    dialog.addEventListener('close', () => opener && opener.focus && opener.focus(), { once: true });
    dialog.showModal();
    (focus || dialog.querySelector('button, input, a')).focus();
  }

  const money = (minor, currency) => {
    const format = new Intl.NumberFormat(undefined, { style: 'currency', currency: String(currency).toUpperCase() });
    return format.format(minor / 10 ** format.resolvedOptions().maximumFractionDigits);
  };
  const date = (iso) => new Intl.DateTimeFormat(undefined, { dateStyle: 'long' }).format(new Date(iso));

  const STATUSES = {
    none: ['No subscription', ''],
    incomplete: ['Incomplete', 'warning'],
    incomplete_expired: ['Expired', ''],
    trialing: ['Trial', 'info'],
    active: ['Active', 'success'],
    past_due: ['Past due', 'danger'],
    unpaid: ['Unpaid', 'danger'],
    paused: ['Paused', 'warning'],
    canceled: ['Canceled', ''],
  };
  const statusLabel = (status) => (STATUSES[status] || [status, ''])[0];
  const statusBadge = (node, status) => {
    const [label, kind] = STATUSES[status] || [status, ''];
    node.textContent = label;
    node.className = ('badge ' + kind).trim();
    node.dataset.status = status;
  };

  const planName = (plans, id) => (plans.find((plan) => plan.id === id) || { name: id }).name;

  return { api, ApiError, SessionExpired, el, $, safeUrl, start, reload, toast, failed, busy, goTop, openPortal, openDialog, money, date, statusLabel, statusBadge, planName };
})();
