// Composes the vb365-graphql subgraph with a small second subgraph that
// references sessions, jobs and backup repositories by key, serves both
// through a real Apollo federation gateway, runs one query that spans them,
// and prints the result.
// Usage: node federation.mjs VB365_SUBGRAPH_URL SESSION_ID,... JOB_ID REPOSITORY_ID
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloGateway, IntrospectAndCompose } from '@apollo/gateway';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

const [vb365Url, sessionList, jobId, repositoryId] = process.argv.slice(2);
const sessionIds = sessionList.split(',');

// "incidents": a help-desk subgraph that knows only ids of sessions, jobs
// and repositories.
const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Incident @key(fields: "id") {
    id: ID!
    title: String!
    session: JobSession!
    job: Job!
    repository: BackupRepository!
  }
  type JobSession @key(fields: "id", resolvable: false) { id: ID! }
  type Job @key(fields: "id", resolvable: false) { id: ID! }
  type BackupRepository @key(fields: "id", resolvable: false) { id: ID! }
  type Query { incidents: [Incident!]! }
`);
const incidents = sessionIds.map((id, i) => ({ id: `INC-${1000 + i}`, title: `Backup check ${i}`, sessionId: id }));
const resolvers = {
  Query: { incidents: () => incidents },
  Incident: {
    session: (inc) => ({ __typename: 'JobSession', id: inc.sessionId }),
    job: () => ({ __typename: 'Job', id: jobId }),
    repository: () => ({ __typename: 'BackupRepository', id: repositoryId }),
  },
};
const incidentsServer = new ApolloServer({ schema: buildSubgraphSchema([{ typeDefs, resolvers }]) });
const { url: incidentsUrl } = await startStandaloneServer(incidentsServer, { listen: { port: 0, host: '127.0.0.1' } });

const gateway = new ApolloGateway({
  supergraphSdl: new IntrospectAndCompose({
    subgraphs: [
      { name: 'vb365', url: vb365Url },
      { name: 'incidents', url: incidentsUrl },
    ],
  }),
});
const router = new ApolloServer({ gateway });
const { url: routerUrl } = await startStandaloneServer(router, { listen: { port: 0, host: '127.0.0.1' } });

const query = `{
  incidents {
    id
    title
    session { id status progress statistics { transferredDataBytes } job { name } }
    job { id name lastStatus }
    repository { id name capacityBytes freeSpaceBytes proxy { hostName status } }
  }
}`;
const res = await fetch(routerUrl, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ query }),
});
console.log(JSON.stringify(await res.json()));
await router.stop();
await incidentsServer.stop();
