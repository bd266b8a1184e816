// The example restore page: a restore operator opens an Exchange restore
// session, browses a mailbox's folders and messages, restores a few where
// they were or exports them as a PST (followed live until its download is
// ready), and sees the session's events. urql with graphql-ws, as the
// dashboard.
import { Client, fetchExchange, subscriptionExchange, gql } from '@urql/core';
import { createClient as createWSClient } from 'graphql-ws';
import { row } from './table.js';

const apiKey = new URLSearchParams(location.search).get('apiKey');
const headers = apiKey ? { 'X-API-Key': apiKey } : {};
const endpoint = new URL('/graphql', location.href);
const ws = createWSClient({ url: endpoint.href.replace(/^http/, 'ws'), connectionParams: apiKey ? headers : undefined });
const client = new Client({
  url: endpoint.href,
  fetchOptions: () => ({ headers }),
  requestPolicy: 'network-only',
  exchanges: [
    fetchExchange,
    subscriptionExchange({
      forwardSubscription: (request) => ({
        subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query || '' }, sink) }),
      }),
    }),
  ],
});

const START = gql`query Start { me { name roles } organizations { nodes { id name } } restoreAccounts }`;
const OPEN = gql`
  mutation Open($org: ID!, $at: DateTime, $reason: String!) {
    openRestoreSession(input: {organizationId: $org, kind: EXCHANGE, pointInTime: $at, reason: $reason}) {
      restoreSession { id mailboxes(first: 100) { nodes { id name email } } }
    }
  }
`;
const FOLDERS = gql`query Folders($s: ID!, $m: ID!) { restoreSession(id: $s) { mailbox(id: $m) { folders(first: 50) { nodes { id name } } } } }`;
const ITEMS = gql`
  query Items($s: ID!, $m: ID!, $f: String) {
    restoreSession(id: $s) { mailbox(id: $m) { items(folderId: $f, first: 50) { nodes { id subject from received } } } }
  }
`;
const EVENTS = gql`query Events($s: ID!) { restoreSession(id: $s) { events(first: 200) { nodes { order type status itemName target } } } }`;
const RESTORE = gql`
  mutation Restore($s: ID!, $m: ID!, $items: [ID!]!, $account: String!, $reason: String!) {
    restoreItems(input: {restoreSessionId: $s, mailboxId: $m, itemIds: $items, account: $account, reason: $reason}) { runsOn createdItems }
  }
`;
const EXPORT = gql`
  mutation Export($s: ID!, $m: ID!, $items: [ID!]!, $reason: String!) {
    exportItems(input: {restoreSessionId: $s, mailboxId: $m, itemIds: $items, format: PST, reason: $reason}) { export { id state } }
  }
`;
const FOLLOW_EXPORT = gql`subscription FollowExport($id: ID!) { exportUpdated(id: $id) { id state sizeBytes fileName downloadUrl error } }`;
const CLOSE = gql`mutation Close($id: ID!) { closeRestoreSession(input: {id: $id}) { restoreSession { id state } } }`;

const $ = (id) => document.getElementById(id);
const state = $('state');
const chosen = { session: null, mailbox: null, folder: null, reason: '' };

async function ask(query, variables) {
  const r = query.definitions[0].operation === 'mutation' ? await client.mutation(query, variables).toPromise() : await client.query(query, variables).toPromise();
  if (r.error) throw r.error;
  return r.data;
}

function say(text, error = false) {
  state.textContent = text;
  state.className = error ? 'error' : '';
}

// list fills a <ul> with buttons, one per entry, and marks the one clicked.
function list(id, entries, label, onPick) {
  const ul = $(id);
  ul.replaceChildren();
  for (const e of entries) {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label(e);
    b.onclick = () => {
      for (const other of ul.children) other.classList.remove('chosen');
      li.classList.add('chosen');
      onPick(e);
    };
    li.dataset.id = e.id;
    li.appendChild(b);
    ul.appendChild(li);
  }
}

async function pickMailbox(m) {
  chosen.mailbox = m;
  $('items').replaceChildren();
  const data = await ask(FOLDERS, { s: chosen.session, m: m.id });
  list('folders', data.restoreSession.mailbox.folders.nodes, (f) => f.name, pickFolder);
}

async function pickFolder(f) {
  chosen.folder = f;
  const data = await ask(ITEMS, { s: chosen.session, m: chosen.mailbox.id, f: f.id });
  $('items').replaceChildren();
  for (const it of data.restoreSession.mailbox.items.nodes) {
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.value = it.id;
    row('items', [box, it.subject, it.from, it.received ? new Date(it.received).toLocaleString() : ''], { item: it.id });
  }
}

const selected = () => [...document.querySelectorAll('#items input:checked')].map((b) => b.value);

// showEvents shows the session's events; of answers that cross, only the
// newest question's is shown (an older one may not hold the latest action).
let eventsAsked = 0;
async function showEvents() {
  const mine = ++eventsAsked;
  const data = await ask(EVENTS, { s: chosen.session });
  if (mine !== eventsAsked) return;
  $('events').replaceChildren();
  for (const e of data.restoreSession.events.nodes) row('events', [e.order, e.type, e.status, e.itemName, e.target], { type: e.type, status: e.status });
}

// download fetches the export with the caller's key and saves it: a
// browser link cannot carry the key header (where there is no key, as in
// demo mode, a plain link would do).
async function download(e) {
  const r = await fetch(e.downloadUrl, { headers });
  if (!r.ok) throw new Error(`download: HTTP ${r.status}`);
  const blob = await r.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = e.fileName;
  a.click();
  return blob.size;
}

function followExport(id) {
  const out = $('download');
  client.subscription(FOLLOW_EXPORT, { id }).subscribe(({ data, error }) => {
    if (error) { out.textContent = error.message; out.className = 'error'; return; }
    const e = data.exportUpdated;
    out.dataset.state = e.state;
    out.className = e.state === 'READY' ? 'ready' : e.state === 'FAILED' ? 'error' : '';
    const saving = document.getElementById('save'); // a later READY keeps the button, and what it saved
    out.replaceChildren(`Export ${e.state.toLowerCase()}, ${e.sizeBytes} bytes${e.error ? ': ' + e.error : ''} `);
    if (e.state === 'READY' && saving) {
      out.appendChild(saving);
    } else if (e.state === 'READY') {
      const b = document.createElement('button');
      b.type = 'button';
      b.id = 'save';
      b.textContent = `Download ${e.fileName}`;
      b.dataset.url = e.downloadUrl;
      b.onclick = () => download(e).then((n) => { b.dataset.saved = n; }, (err) => say(err.message, true));
      out.appendChild(b);
      showEvents();
    }
  });
}

async function act(what) {
  const items = selected();
  if (!chosen.mailbox || items.length === 0) return say('Pick some messages first.', true);
  const vars = { s: chosen.session, m: chosen.mailbox.id, items, reason: chosen.reason };
  try {
    if (what === 'restore') {
      const r = (await ask(RESTORE, { ...vars, account: $('account').value })).restoreItems;
      say(r.runsOn ? `Restoring ${items.length} messages: the events below follow it.` : `Restored ${r.createdItems} messages.`);
    } else {
      const r = (await ask(EXPORT, vars)).exportItems;
      say(`Exporting ${items.length} messages…`);
      followExport(r.export.id);
    }
    await showEvents();
  } catch (err) {
    say(err.message, true);
  }
}

async function start() {
  const data = await ask(START);
  if (!data.me.roles.includes('RESTORE_OPERATOR')) {
    say(`${data.me.name} is not a restore operator: this page is for restore operators.`, true);
    return;
  }
  const orgs = $('open').elements.organization;
  for (const o of data.organizations.nodes) orgs.add(new Option(o.name, o.id));
  for (const a of data.restoreAccounts) $('account').add(new Option(a, a));
  say('');
  $('open').onsubmit = async (ev) => {
    ev.preventDefault();
    const f = ev.target.elements;
    chosen.reason = f.reason.value;
    try {
      const at = f.pointInTime.value ? new Date(f.pointInTime.value).toISOString() : null;
      const rs = (await ask(OPEN, { org: f.organization.value, at, reason: chosen.reason })).openRestoreSession.restoreSession;
      chosen.session = rs.id;
      $('session').hidden = false;
      $('session').dataset.session = rs.id;
      $('session').querySelector('.id').textContent = rs.id;
      list('mailboxes', rs.mailboxes.nodes, (m) => `${m.name} <${m.email}>`, pickMailbox);
      say('');
    } catch (err) {
      say(err.message, true);
    }
  };
  $('restore').onclick = () => act('restore');
  $('export').onclick = () => act('export');
  $('close').onclick = async () => {
    const r = (await ask(CLOSE, { id: chosen.session })).closeRestoreSession.restoreSession;
    $('session').dataset.state = r.state;
    say(`Session ${r.state.toLowerCase()}.`);
  };
}

start().catch((err) => say(err.message, true));
