// The example dashboard: the 20 newest job sessions with their job and
// status, and a live progress bar for the running ones. It uses urql, a
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

const RECENT = gql`
  query RecentSessions {
    jobSessions(first: 20) {
      nodes {
        id status progress creationTime endTime
        statistics { transferredDataBytes }
        job { id name }
      }
    }
  }
`;
const LAST_SUCCESS = gql`
  query LastSuccess($job: ID!) {
    jobSessions(jobId: $job, status: SUCCESS, first: 1) { nodes { progress } }
  }
`;
const FOLLOW = gql`
  subscription Follow($id: ID!) {
    jobSessionUpdated(id: $id) { id status progress endTime statistics { transferredDataBytes } }
  }
`;

const rows = document.getElementById('sessions');
const state = document.getElementById('state');

function bytes(n) {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

// A running session has no known total: its bar compares its progress with
// what the job's last successful run processed.
function render(row, s, expected) {
  row.querySelector('.status').textContent = s.status;
  row.querySelector('.status').className = `status ${s.status.toLowerCase()}`;
  row.querySelector('.objects').textContent = s.progress;
  row.querySelector('.bytes').textContent = bytes(s.statistics?.transferredDataBytes ?? 0);
  const bar = row.querySelector('progress');
  bar.max = 100;
  bar.value = s.status === 'RUNNING' ? Math.min(99, Math.round((100 * s.progress) / Math.max(expected, 1))) : 100;
  row.dataset.status = s.status;
}

async function load() {
  const result = await client.query(RECENT, {}).toPromise();
  if (result.error) {
    state.textContent = `Error: ${result.error.message}`;
    return;
  }
  state.textContent = '';
  for (const s of result.data.jobSessions.nodes) {
    const row = document.createElement('tr');
    row.dataset.session = s.id;
    row.innerHTML = `<td class="job"></td><td class="started"></td><td class="status"></td>
      <td><progress></progress></td><td class="objects"></td><td class="bytes"></td>`;
    row.querySelector('.job').textContent = s.job?.name ?? '(unknown job)';
    row.querySelector('.started').textContent = new Date(s.creationTime).toLocaleString();
    render(row, s, s.progress);
    rows.appendChild(row);
    if (s.status === 'RUNNING' && s.job) {
      const last = await client.query(LAST_SUCCESS, { job: s.job.id }).toPromise();
      const expected = last.data?.jobSessions.nodes[0]?.progress ?? s.progress * 2;
      render(row, s, expected);
      client.subscription(FOLLOW, { id: s.id }).subscribe((update) => {
        if (update.data) render(row, update.data.jobSessionUpdated, expected);
      });
    }
  }
}

load();
