// Composes the vb365-graphql subgraph (its SDL from _service) with a second,
// Relay-style subgraph that has its own PageInfo and connections, with the
// real @apollo/composition, and prints the errors' codes and messages as JSON.
// Usage: node compose.mjs VB365_SUBGRAPH_URL [--drop-shareable]
// (--drop-shareable takes @shareable off our PageInfo: the control that shows
// the composition fails without it.)
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

const [url, control] = process.argv.slice(2);
const response = await fetch(url, {
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ query: "{ _service { sdl } }" }),
});
let sdl = (await response.json()).data._service.sdl;
if (control === "--drop-shareable") {
  sdl = sdl.replace(/type PageInfo @shareable/, "type PageInfo");
}

const tickets = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])
  type PageInfo @shareable {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }
  type Ticket @key(fields: "id") { id: ID! title: String! job: Job }
  type TicketEdge { cursor: String! node: Ticket! }
  type TicketConnection { edges: [TicketEdge!]! nodes: [Ticket!]! pageInfo: PageInfo! totalCount: Int }
  type Job @key(fields: "id", resolvable: false) { id: ID! }
  type Query { tickets(first: Int, after: String): TicketConnection! }
`;

const result = composeServices([
  { name: "vb365", typeDefs: parse(sdl), url },
  { name: "tickets", typeDefs: parse(tickets), url: "http://tickets.invalid/graphql" },
]);
process.stdout.write(JSON.stringify({
  errors: (result.errors ?? []).map((e) => ({ code: e.extensions?.code, message: e.message })),
  supergraph: result.supergraphSdl ? result.supergraphSdl.length : 0,
}));
