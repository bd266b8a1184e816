// The example dashboard: the estate (server, license, organizations,
// repositories, proxies, jobs), the newest sessions and the restore activity
// from one GraphQL query, with a live progress bar for each running session
// and live state for each working restore; a session's detail view shows the
// objects that failed and why. It uses urql, a mainstream GraphQL client,
// with graphql-ws for the subscriptions.
import { Client, fetchExchange, subscriptionExchange, gql } from '@urql/core';
import { createClient as createWSClient } from 'graphql-ws';
import { row } from './table.js';

const apiKey = new URLSearchParams(location.search).get('apiKey');
const endpoint = new URL('/graphql', location.href);
const wsEndpoint = endpoint.href.replace(/^http/, 'ws');
const ws = createWSClient({ url: wsEndpoint, connectionParams: apiKey ? { 'X-API-Key': apiKey } : undefined });

const client = new Client({
  url: endpoint.href,
  fetchOptions: () => ({ headers: apiKey ? { 'X-API-Key': apiKey } : {} }),
  exchanges: [
    fetchExchange,
    subscriptionExchange({
      forwardSubscription: (request) => ({
        subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query || '' }, sink) }),
      }),
    }),
  ],
});

// Everything in one query: the gateway makes one upstream call per
// collection, one per organization for its licensing, and one per running
// session's job for the size of its last successful run.
const ESTATE = gql`
  query Estate {
    me { name roles }
    server { version productVersion health { status } }
    license { status used total expires }
    organizations { nodes { id name type lastBackupTime licensing { licensedUsers newUsers } } }
    backupRepositories { nodes { id name capacityBytes freeSpaceBytes usedSpaceBytes proxy { hostName } objectStorage { name type } } }
    proxies { nodes { id hostName status type } }
    jobs(first: 100) { nodes { id name lastStatus isEnabled organization { name } } }
    running: jobSessions(status: RUNNING, first: 20) {
      nodes { id progress job { id sessions(status: SUCCESS, first: 1) { nodes { progress } } } }
    }
    recent: jobSessions(first: 20) {
      nodes { id status progress creationTime endTime statistics { transferredDataBytes } job { id name } }
    }
    restores: restoreSessions(first: 10) {
      nodes { id name type state result creationTime initiatedBy details organization { name } }
    }
  }
`;
// A session's detail: the objects that failed or warned, with the lines of
// the session's log that say why (v7+ servers report processed objects).
const DETAIL = gql`
  query Detail($id: ID!) {
    jobSession(id: $id) {
      id status creationTime job { name }
      problems: processedObjects(status: FAILED, first: 100) { totalCount nodes { id type status name address messages { message } } }
      warnings: processedObjects(status: WARNING, first: 100) { totalCount nodes { id type status name address messages { message } } }
    }
  }
`;
// Job actions (operators only). A start answers its session, which the
// dashboard follows at once.
const JOB = 'job { id lastStatus isEnabled }';
const START = gql`mutation Start($id: ID!) { startJob(input: {id: $id}) { ${JOB} session { id status progress endTime statistics { transferredDataBytes } } } }`;
const STOP = gql`mutation Stop($id: ID!) { stopJob(input: {id: $id}) { ${JOB} } }`;
const ENABLE = gql`mutation Enable($id: ID!) { enableJob(input: {id: $id}) { ${JOB} } }`;
const DISABLE = gql`mutation Disable($id: ID!) { disableJob(input: {id: $id}) { ${JOB} } }`;
const LAST_RUN = gql`query LastRun($id: ID!) { job(id: $id) { sessions(status: SUCCESS, first: 1) { nodes { progress } } } }`;

const FOLLOW_RESTORE = gql`
  subscription FollowRestore($id: ID!) {
    restoreSessionUpdated(id: $id) { id state result details endTime }
  }
`;
const FOLLOW = gql`
  subscription Follow($id: ID!) {
    jobSessionUpdated(id: $id) { id status progress endTime statistics { transferredDataBytes } }
  }
`;

const state = document.getElementById('state');

function bytes(n) {
  if (n == null) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

function date(s) { return s ? new Date(s).toLocaleString() : ''; }

function bar(value, max) {
  const p = document.createElement('progress');
  p.max = Math.max(max, 1);
  p.value = value;
  return p;
}

// A running session's bar compares its progress with what the job's last
// successful run processed.
function renderSession(tr, s, expected) {
  tr.querySelector('.status').textContent = s.status;
  tr.querySelector('.status').className = `status ${s.status.toLowerCase()}`;
  tr.querySelector('.objects').textContent = s.progress;
  tr.querySelector('.bytes').textContent = bytes(s.statistics?.transferredDataBytes ?? 0);
  const p = tr.querySelector('progress');
  p.max = 100;
  p.value = s.status === 'RUNNING' ? Math.min(99, Math.round((100 * s.progress) / Math.max(expected, 1))) : 100;
  tr.dataset.status = s.status;
}

function follow(session, expected, rows) {
  client.subscription(FOLLOW, { id: session.id }).subscribe((update) => {
    if (update.data) for (const tr of rows) renderSession(tr, update.data.jobSessionUpdated, expected);
  });
}

// showDetail fills the detail panel with a session's failed and warning
// objects and their messages.
async function showDetail(id) {
  const panel = document.getElementById('detail');
  const body = document.getElementById('problems');
  panel.hidden = false;
  body.replaceChildren();
  panel.querySelector('.title').textContent = 'Loading…';
  const result = await client.query(DETAIL, { id }).toPromise();
  const s = result.data?.jobSession;
  if (!s) {
    panel.querySelector('.title').textContent = `Error: ${result.error?.message}`;
    return;
  }
  panel.dataset.session = s.id;
  panel.querySelector('.title').textContent = `${s.job?.name ?? ''}, started ${date(s.creationTime)}: ${s.status}`;
  const note = panel.querySelector('.note');
  if (!s.problems) {
    // NOT_SUPPORTED_BY_VERSION before v7: say so, not "nothing failed".
    note.textContent = result.error?.graphQLErrors?.[0]?.message ?? 'Processed objects are not available.';
    return;
  }
  const objects = [...s.problems.nodes, ...(s.warnings?.nodes ?? [])];
  note.textContent = objects.length ? '' : 'Every object was processed.';
  for (const o of objects) {
    const tr = row('problems', [o.name ?? o.id, o.type, o.status, o.address, o.messages.map((m) => m.message).join('\n')], { object: o.id, status: o.status });
    tr.cells[2].className = o.status.toLowerCase();
  }
  panel.scrollIntoView();
}

function renderRestore(tr, r) {
  tr.cells[4].textContent = r.state;
  tr.cells[4].className = r.state === 'WORKING' ? 'running' : '';
  tr.cells[5].textContent = r.result;
  tr.cells[5].className = r.result.toLowerCase();
  tr.cells[6].textContent = r.details ?? '';
  tr.dataset.state = r.state;
}

function renderJob(jr, j) {
  jr.tr.cells[2].textContent = j.lastStatus ?? '';
  jr.tr.cells[2].className = (j.lastStatus ?? '').toLowerCase();
  jr.tr.dataset.status = j.lastStatus ?? '';
  jr.tr.dataset.enabled = j.isEnabled;
  if (jr.buttons) {
    jr.buttons.start.disabled = !j.isEnabled || j.lastStatus === 'RUNNING';
    jr.buttons.stop.disabled = j.lastStatus !== 'RUNNING';
    jr.buttons.toggle.textContent = j.isEnabled ? 'Disable' : 'Enable';
  }
}

// act runs a job action and shows what came of it; a refusal's code
// (JOB_ALREADY_RUNNING, FORBIDDEN, ...) goes to the state line.
async function act(jr, mutation, field) {
  const result = await client.mutation(mutation, { id: jr.tr.dataset.job }).toPromise();
  const payload = result.data?.[field];
  if (!payload) {
    const e = result.error?.graphQLErrors?.[0];
    state.textContent = `${field} refused: ${e?.extensions?.code ?? ''} ${e?.message ?? result.error?.message}`;
    return null;
  }
  state.textContent = '';
  if (payload.job) renderJob(jr, payload.job);
  return payload;
}

function actionButtons(jr) {
  const cell = document.createElement('span');
  const button = (label, onClick) => {
    const b = document.createElement('button');
    b.textContent = label;
    b.className = label.toLowerCase();
    b.onclick = onClick;
    cell.appendChild(b);
    return b;
  };
  jr.buttons = {
    start: button('Start', async () => {
      const p = await act(jr, START, 'startJob');
      if (!p?.session) return;
      const last = await client.query(LAST_RUN, { id: jr.tr.dataset.job }).toPromise();
      const expected = last.data?.job?.sessions?.nodes?.[0]?.progress ?? p.session.progress * 2;
      jr.live.innerHTML = '<span class="status"></span> <progress></progress> <span class="objects"></span> <span class="bytes"></span>';
      jr.tr.dataset.session = p.session.id;
      renderSession(jr.live, p.session, expected);
      client.subscription(FOLLOW, { id: p.session.id }).subscribe((update) => {
        const s = update.data?.jobSessionUpdated;
        if (!s) return;
        renderSession(jr.live, s, expected);
        renderJob(jr, { lastStatus: s.status, isEnabled: jr.tr.dataset.enabled === 'true' });
      });
    }),
    stop: button('Stop', () => act(jr, STOP, 'stopJob')),
    toggle: button('Disable', () => act(jr, jr.tr.dataset.enabled === 'true' ? DISABLE : ENABLE,
      jr.tr.dataset.enabled === 'true' ? 'disableJob' : 'enableJob')),
  };
  return cell;
}

async function load() {
  const result = await client.query(ESTATE, {}).toPromise();
  if (!result.data) {
    state.textContent = `Error: ${result.error?.message}`;
    return;
  }
  // Partial data is still data: show what came, and say what did not.
  state.textContent = result.error ? `Some parts failed: ${result.error.message}` : '';
  const d = result.data;

  const server = document.getElementById('server');
  server.querySelector('.version').textContent = `${d.server.productVersion ?? ''} (API ${d.server.version})`;
  const health = d.server.health?.status ?? 'not reported';
  server.querySelector('.health').textContent = `health: ${health}`;
  server.querySelector('.health').className = `health ${health.toLowerCase()}`;
  if (d.license) {
    const lic = document.getElementById('license');
    lic.querySelector('.use').textContent = `${d.license.used} of ${d.license.total}`;
    lic.querySelector('.expires').textContent = `${d.license.status}, expires ${date(d.license.expires)}`;
    lic.querySelector('.expires').className = `expires ${d.license.status.toLowerCase()}`;
  }
  for (const o of d.organizations?.nodes ?? []) {
    row('organizations', [o.name, o.type, o.licensing?.licensedUsers, o.licensing?.newUsers, date(o.lastBackupTime)], { organization: o.id });
  }
  for (const r of d.backupRepositories?.nodes ?? []) {
    const used = r.usedSpaceBytes ?? 0;
    const full = r.capacityBytes ? used / r.capacityBytes : 0;
    const tr = row('repositories', [r.name, r.proxy?.hostName, bar(used, r.capacityBytes ?? 0), bytes(r.freeSpaceBytes),
      r.objectStorage ? `${r.objectStorage.name ?? ''} ${r.objectStorage.type ?? ''}`.trim() : ''], { repository: r.id });
    tr.cells[3].className = 'capacity';
    if (full > 0.9) tr.classList.add('nearly-full');
  }
  for (const p of d.proxies?.nodes ?? []) {
    const tr = row('proxies', [p.hostName, p.status, p.type], { proxy: p.id, status: p.status });
    tr.cells[1].className = p.status.toLowerCase();
  }

  const expected = new Map(); // job id -> objects its last successful run processed
  for (const s of d.running.nodes) {
    if (s.job) expected.set(s.job.id, s.job.sessions.nodes[0]?.progress ?? s.progress * 2);
  }
  const roles = d.me?.roles ?? [];
  const operator = roles.includes('OPERATOR');
  document.body.dataset.role = roles.join(' ');
  const jobRows = new Map();
  for (const j of d.jobs.nodes) {
    const live = document.createElement('span');
    const tr = row('jobs', [j.name, j.organization?.name, '', live, ''], { job: j.id });
    const jr = { tr, live };
    if (operator) tr.cells[4].appendChild(actionButtons(jr));
    renderJob(jr, j);
    jobRows.set(j.id, jr);
  }
  const following = new Map(); // session id -> rows that show it
  for (const s of d.running.nodes) {
    const jr = s.job && jobRows.get(s.job.id);
    if (!jr) continue;
    jr.live.innerHTML = '<span class="status"></span> <progress></progress> <span class="objects"></span> <span class="bytes"></span>';
    jr.tr.dataset.session = s.id;
    following.set(s.id, [jr.live]);
  }

  for (const s of d.recent.nodes) {
    const open = document.createElement('a');
    open.href = `#${s.id}`; // the detail follows the address: it can be bookmarked
    open.textContent = s.job?.name ?? '(unknown job)';
    const tr = row('sessions', [open, date(s.creationTime), '', '', '', ''], { session: s.id });
    tr.cells[2].className = 'status';
    tr.cells[3].appendChild(document.createElement('progress'));
    tr.cells[4].className = 'objects';
    tr.cells[5].className = 'bytes';
    renderSession(tr, s, expected.get(s.job?.id) ?? s.progress);
    if (following.has(s.id)) following.get(s.id).push(tr);
  }
  for (const s of d.running.nodes) {
    const shown = following.get(s.id) ?? [];
    for (const el of shown) renderSession(el, { ...s, status: 'RUNNING', statistics: null }, expected.get(s.job?.id));
    follow(s, expected.get(s.job?.id), shown);
  }

  for (const r of d.restores?.nodes ?? []) {
    const tr = row('restores', [date(r.creationTime), r.name, r.organization?.name, r.initiatedBy, '', '', ''], { restore: r.id });
    renderRestore(tr, r);
    if (r.state === 'WORKING') {
      client.subscription(FOLLOW_RESTORE, { id: r.id }).subscribe((update) => {
        if (update.data) renderRestore(tr, update.data.restoreSessionUpdated);
      });
    }
  }
}

const detailFromAddress = () => { if (location.hash.length > 1) showDetail(decodeURIComponent(location.hash.slice(1))); };
window.addEventListener('hashchange', detailFromAddress);
load().then(detailFromAddress); // after the page has its height, so the detail can be scrolled to
