// cordon's pages for the people who decide (issue 17): log in with a
// passkey, read an order and its plan, sign it with the passkey.
//
// Rules this file keeps, because the pages show values vendors and
// hospitals typed: every value reaches the page as text (textContent,
// never innerHTML), no inline script or style, no third-party origin (the
// Content-Security-Policy forbids them anyway). The session lives in an
// HttpOnly cookie this script cannot read; it holds only the CSRF token.
'use strict';

const TEXT = {
  en: {
    other_language: 'Français',
    logout: 'Log out',
    login_title: 'Log in',
    login_passkey: 'Log in with a passkey',
    first_time: 'First time here? Log in with your password and code, then register a passkey.',
    email: 'E-mail',
    password: 'Password',
    code: 'Code from your authenticator app',
    login_password: 'Log in with password and code',
    register_title: 'Register a passkey',
    register_intro: 'Your passkey signs your decisions: anyone can check them later with ssh-keygen.',
    label: 'Name of this passkey (e.g. the device)',
    register: 'Register the passkey',
    registered: 'Passkey registered. Log in with it now.',
    orders_title: 'Orders waiting for your decision',
    no_orders: 'No order.',
    order: 'Order',
    version: 'Version',
    organisation: 'Organisation',
    submitted: 'Submitted',
    open: 'Open',
    plan_digest: 'Plan digest (SHA-256)',
    order_text: 'The order, exactly as it will be signed',
    table: 'Table',
    rows_selected: 'Rows that leave',
    rows_read: 'Rows read',
    columns_kept: 'Columns that leave, and how',
    columns_excluded: 'Columns that do not leave',
    free_text: 'free text',
    samples: 'Masked samples',
    k_anonymity: 'k-anonymity',
    signatures: 'Signatures',
    none_yet: 'None yet.',
    signed_by: 'Signed by account',
    sign: 'Sign this version with my passkey',
    signed: 'Signed. Anyone can check this signature with:',
    back: 'Back to the orders',
    error: 'Error',
  },
  fr: {
    other_language: 'English',
    logout: 'Se déconnecter',
    login_title: 'Connexion',
    login_passkey: 'Se connecter avec une clé d\u2019accès',
    first_time: 'Première visite\u00a0? Connectez-vous avec votre mot de passe et votre code, puis enregistrez une clé d\u2019accès.',
    email: 'Adresse e-mail',
    password: 'Mot de passe',
    code: 'Code de votre application d\u2019authentification',
    login_password: 'Se connecter avec mot de passe et code',
    register_title: 'Enregistrer une clé d\u2019accès',
    register_intro: 'Votre clé d\u2019accès signe vos décisions\u00a0: chacun pourra les vérifier avec ssh-keygen.',
    label: 'Nom de cette clé (par exemple l\u2019appareil)',
    register: 'Enregistrer la clé',
    registered: 'Clé enregistrée. Connectez-vous avec elle maintenant.',
    orders_title: 'Ordres en attente de votre décision',
    no_orders: 'Aucun ordre.',
    order: 'Ordre',
    version: 'Version',
    organisation: 'Organisme',
    submitted: 'Soumis le',
    open: 'Ouvrir',
    plan_digest: 'Empreinte du plan (SHA-256)',
    order_text: 'L\u2019ordre, exactement tel qu\u2019il sera signé',
    table: 'Table',
    rows_selected: 'Lignes qui sortent',
    rows_read: 'Lignes lues',
    columns_kept: 'Colonnes qui sortent, et comment',
    columns_excluded: 'Colonnes qui ne sortent pas',
    free_text: 'texte libre',
    samples: 'Échantillons masqués',
    k_anonymity: 'k-anonymat',
    signatures: 'Signatures',
    none_yet: 'Aucune pour l\u2019instant.',
    signed_by: 'Signé par le compte',
    sign: 'Signer cette version avec ma clé d\u2019accès',
    signed: 'Signé. Chacun peut vérifier cette signature avec\u00a0:',
    back: 'Retour aux ordres',
    error: 'Erreur',
  },
};

const state = {
  lang: pickLanguage(),
  csrf: null,  // the browser session's CSRF token (the session is in an HttpOnly cookie)
  me: null,
};

function pickLanguage() {
  const chosen = localStorage.getItem('cordon-lang');
  if (chosen === 'fr' || chosen === 'en') return chosen;
  return (navigator.language || 'en').toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

function t(key) {
  return TEXT[state.lang][key] || TEXT.en[key] || key;
}

// An element with attributes and children; strings become text nodes.
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== false && v !== null && v !== undefined) e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(typeof c === 'string' || typeof c === 'number' ? String(c) : c);
  }
  return e;
}

function toB64url(buffer) {
  const bytes = new Uint8Array(buffer);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromB64url(text) {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function fromB64(text) {
  return new TextDecoder().decode(Uint8Array.from(atob(text), (c) => c.charCodeAt(0)));
}

async function api(method, path, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (state.csrf && method !== 'GET') headers['X-CSRF-Token'] = state.csrf;
  const r = await fetch('/api/v1' + path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let j = {};
  try { j = await r.json(); } catch (e) { j = {}; }
  if (!r.ok) {
    const err = new Error((j.error || ('HTTP ' + r.status)) + (j.hint ? ' \u2014 ' + j.hint : ''));
    err.status = r.status;
    throw err;
  }
  return j;
}

function show(...nodes) {
  const main = document.getElementById('main');
  main.replaceChildren(...nodes);
  const h = main.querySelector('h1');
  if (h) { h.setAttribute('tabindex', '-1'); h.focus(); }
}

function problem(where, e) {
  const old = where.querySelector('.error');
  if (old) old.remove();
  where.append(el('p', { class: 'error', role: 'alert' }, t('error') + ': ' + e.message));
}

// The parts of a passkey's answer the exchange reads, base64url.
function assertionBody(credential) {
  const r = credential.response;
  return {
    credential_id: toB64url(credential.rawId),
    authenticator_data: toB64url(r.authenticatorData),
    client_data_json: toB64url(r.clientDataJSON),
    signature: toB64url(r.signature),
  };
}

// ---- logging in ----

function loginView() {
  const passkey = el('button', { type: 'button', id: 'passkey-login' }, t('login_passkey'));
  const email = el('input', { id: 'email', type: 'email', autocomplete: 'username' });
  const password = el('input', { id: 'password', type: 'password', autocomplete: 'current-password' });
  const code = el('input', { id: 'code', inputmode: 'numeric', autocomplete: 'one-time-code' });
  const form = el('form', { id: 'password-form' },
    el('p', {}, t('first_time')),
    el('label', { for: 'email' }, t('email')), email,
    el('label', { for: 'password' }, t('password')), password,
    el('label', { for: 'code' }, t('code')), code,
    el('p', {}, el('button', { type: 'submit', id: 'password-login' }, t('login_password'))));
  const view = el('section', {}, el('h1', {}, t('login_title')), el('p', {}, passkey), form);
  passkey.addEventListener('click', async () => {
    try {
      const o = await api('POST', '/login/passkey/begin', {});
      const credential = await navigator.credentials.get({ publicKey: {
        challenge: fromB64url(o.challenge), rpId: o.rp_id,
        userVerification: 'required', timeout: o.timeout_ms } });
      const session = await api('POST', '/login/passkey/finish',
        Object.assign({ challenge: o.challenge }, assertionBody(credential)));
      state.csrf = session.csrf_token;
      state.me = session.account;
      ordersView();
    } catch (e) { problem(view, e); }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const session = await api('POST', '/login',
        { email: email.value, password: password.value, code: code.value, browser: true });
      state.csrf = session.csrf_token;
      state.me = session.account;
      registerView();
    } catch (e) { problem(view, e); }
  });
  show(view);
}

function registerView() {
  const label = el('input', { id: 'passkey-label', value: 'passkey', maxlength: '64' });
  const button = el('button', { type: 'button', id: 'register' }, t('register'));
  const view = el('section', {}, el('h1', {}, t('register_title')),
    el('p', {}, t('register_intro')),
    el('label', { for: 'passkey-label' }, t('label')), label, el('p', {}, button));
  button.addEventListener('click', async () => {
    try {
      const o = await api('POST', '/passkeys/begin', {});
      const credential = await navigator.credentials.create({ publicKey: {
        challenge: fromB64url(o.challenge),
        rp: o.rp,
        user: { id: fromB64url(o.user.id), name: o.user.name, displayName: o.user.displayName },
        pubKeyCredParams: o.pubKeyCredParams,
        timeout: o.timeout,
        attestation: o.attestation,
        authenticatorSelection: o.authenticatorSelection,
        excludeCredentials: o.excludeCredentials.map((c) => ({ type: c.type, id: fromB64url(c.id) })),
      } });
      await api('POST', '/passkeys/finish', {
        challenge: o.challenge,
        attestation_object: toB64url(credential.response.attestationObject),
        client_data_json: toB64url(credential.response.clientDataJSON),
        label: label.value,
      });
      await api('POST', '/logout', {});
      state.csrf = null;
      loginView();
      document.getElementById('main').prepend(el('p', { class: 'ok', id: 'registered', role: 'status' },
        t('registered')));
    } catch (e) { problem(view, e); }
  });
  show(view);
}

// ---- orders ----

async function ordersView() {
  document.getElementById('logout').hidden = false;
  const view = el('section', {}, el('h1', {}, t('orders_title')));
  show(view);
  try {
    const list = await api('GET', '/orders');
    if (!list.orders.length) { view.append(el('p', {}, t('no_orders'))); return; }
    const rows = list.orders.map((o) => el('tr', {},
      el('td', {}, o.order_id), el('td', {}, o.version), el('td', {}, o.organisation),
      el('td', {}, o.submitted_at),
      el('td', {}, el('button', { type: 'button', class: 'open-order', 'data-order': o.order_id,
        onclick: () => orderView(o.order_id, o.version) }, t('open') + ' ' + o.order_id))));
    view.append(el('table', { id: 'orders' },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('order')),
        el('th', { scope: 'col' }, t('version')), el('th', { scope: 'col' }, t('organisation')),
        el('th', { scope: 'col' }, t('submitted')), el('th', { scope: 'col' }, ''))),
      el('tbody', {}, ...rows)));
  } catch (e) { problem(view, e); }
}

function planTable(table) {
  const kept = (table.columns_kept || []).map((c) => el('li', {},
    c.name + ': ' + c.fate + (c.looks_free_text ? ' (' + t('free_text') + ')' : '')));
  const excluded = (table.columns_excluded || []).map((c) =>
    el('li', { class: 'excluded' }, typeof c === 'string' ? c : c.name));
  const samples = (table.sample_masked || []).map((row) =>
    el('tr', {}, ...row.map((v) => el('td', {}, v === null ? '' : String(v)))));
  return el('section', { class: 'plan-table' },
    el('h3', {}, t('table') + ' ' + table.name),
    el('dl', {},
      el('dt', {}, t('rows_read')), el('dd', {}, table.rows_read === undefined ? '' : table.rows_read),
      el('dt', {}, t('rows_selected')), el('dd', {}, table.rows_selected),
      table.k_anonymity ? el('dt', {}, t('k_anonymity')) : null,
      table.k_anonymity ? el('dd', {}, JSON.stringify(table.k_anonymity)) : null),
    el('h4', {}, t('columns_kept')), el('ul', {}, ...kept),
    el('h4', {}, t('columns_excluded')), el('ul', {}, ...excluded),
    samples.length ? el('h4', {}, t('samples')) : null,
    samples.length ? el('table', {}, el('tbody', {}, ...samples)) : null);
}

async function orderView(id, version) {
  const view = el('section', {}, el('h1', {}, t('order') + ' ' + id));
  show(view);
  try {
    const o = await api('GET', '/orders/' + encodeURIComponent(id) + '?version=' + version);
    const plan = JSON.parse(fromB64(o.plan_base64));
    const signatures = el('ul', { id: 'signatures' }, ...o.signatures.map((s) =>
      el('li', {}, t('signed_by') + ' ' + s.signer_id + ', ' + s.signed_at)));
    if (!o.signatures.length) signatures.append(el('li', {}, t('none_yet')));
    view.append(
      el('dl', {},
        el('dt', {}, t('version')), el('dd', {}, o.version),
        el('dt', {}, t('organisation')), el('dd', {}, o.organisation),
        el('dt', {}, t('submitted')), el('dd', {}, o.submitted_at),
        el('dt', {}, t('plan_digest')), el('dd', {}, el('code', {}, o.plan_sha256))),
      ...(plan.tables || []).map(planTable),
      el('h2', {}, t('order_text')), el('pre', { id: 'order-text' }, fromB64(o.order_base64)),
      el('h2', {}, t('signatures')), signatures);
    if (o.sign) {
      const button = el('button', { type: 'button', id: 'sign' }, t('sign'));
      const result = el('div', { id: 'sign-result' });
      view.append(el('p', {}, button), result);
      button.addEventListener('click', async () => {
        try {
          const credential = await navigator.credentials.get({ publicKey: {
            challenge: fromB64url(o.sign.challenge), rpId: location.hostname,
            userVerification: 'required' } });
          const signed = await api('POST', '/orders/' + encodeURIComponent(id) + '/signature',
            Object.assign({ version: o.version }, assertionBody(credential)));
          result.replaceChildren(el('p', { class: 'ok', id: 'signed', role: 'status' }, t('signed')),
            el('pre', { id: 'verify' }, signed.verify), el('pre', { id: 'sshsig' }, signed.sshsig));
          result.scrollIntoView();
        } catch (e) { problem(view, e); }
      });
    }
    view.append(el('p', {}, el('button', { type: 'button', id: 'back', onclick: ordersView }, t('back'))));
  } catch (e) { problem(view, e); }
}

// ---- start ----

function chrome() {
  document.documentElement.lang = state.lang;
  document.getElementById('lang').textContent = t('other_language');
  document.getElementById('logout').textContent = t('logout');
}

document.addEventListener('DOMContentLoaded', async () => {
  chrome();
  document.getElementById('lang').addEventListener('click', () => {
    state.lang = state.lang === 'fr' ? 'en' : 'fr';
    localStorage.setItem('cordon-lang', state.lang);
    chrome();
    if (state.csrf) ordersView(); else loginView();
  });
  document.getElementById('logout').addEventListener('click', async () => {
    try { await api('POST', '/logout', {}); } catch (e) { /* the session had ended */ }
    state.csrf = null;
    document.getElementById('logout').hidden = true;
    loginView();
  });
  // A reloaded page: the cookie may still hold a session; /me gives its token.
  try {
    const me = await api('GET', '/me');
    if (me.csrf_token) {
      state.csrf = me.csrf_token;
      state.me = me;
      ordersView();
      return;
    }
  } catch (e) { /* not logged in */ }
  loginView();
});
