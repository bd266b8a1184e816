// The example dashboard: the estate (server, license, organizations,
// repositories, proxies, jobs) and the newest sessions from one GraphQL
// query, with a live progress bar for each running session. It uses urql, a
// mainstream GraphQL client, with graphql-ws for the subscriptions.
import { Client, fetchExchange, subscriptionExchange, gql } from '@urql/core';
import { createClient as createWSClient } from 'graphql-ws';

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
    server { version productVersion health { status } }
    license { status used total expires }
    organizations { nodes { id name type lastBackupTime licensing { licensedUsers newUsers } } }
    backupRepositories { nodes { id name capacityBytes freeSpaceBytes usedSpaceBytes proxy { hostName } objectStorage { name type } } }
    proxies { nodes { id hostName status type } }
    jobs(first: 100) { nodes { id name lastStatus organization { name } } }
    running: jobSessions(status: RUNNING, first: 20) {
      nodes { id progress job { id sessions(status: SUCCESS, first: 1) { nodes { progress } } } }
    }
    recent: jobSessions(first: 20) {
      nodes { id status progress creationTime endTime statistics { transferredDataBytes } job { id name } }
    }
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

// row appends a row of cells (text, or a Node) to the table body with id.
function row(id, cells, data = {}) {
  const tr = document.createElement('tr');
  for (const c of cells) {
    const td = document.createElement('td');
    if (c instanceof Node) td.appendChild(c); else td.textContent = c ?? '';
    tr.appendChild(td);
  }
  Object.assign(tr.dataset, data);
  document.getElementById(id).appendChild(tr);
  return tr;
}

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
  const jobRows = new Map();
  for (const j of d.jobs.nodes) {
    const live = document.createElement('span');
    const tr = row('jobs', [j.name, j.organization?.name, j.lastStatus, live], { job: j.id, status: j.lastStatus ?? '' });
    tr.cells[2].className = (j.lastStatus ?? '').toLowerCase();
    jobRows.set(j.id, { tr, live });
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
    const tr = row('sessions', [s.job?.name ?? '(unknown job)', date(s.creationTime), '', '', '', ''], { session: s.id });
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
}

load();
