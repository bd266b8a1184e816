// Runs graphql-http's audit suite (the GraphQL-over-HTTP specification's
// MUST and SHOULD rules) against a server and prints the results as JSON.
// Usage: node audit.mjs http://127.0.0.1:PORT/graphql
import { auditServer } from 'graphql-http';

const results = await auditServer({ url: process.argv[2] });
console.log(JSON.stringify(results.map((r) => ({ id: r.id, name: r.name, status: r.status, reason: r.reason }))));
