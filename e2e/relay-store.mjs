// Loads one query through the real relay-runtime into its normalised store
// and prints what the store gives back, with every warning Relay wrote:
// node relay-store.mjs <compiled artifact> <gateway URL> <variables JSON>.
// The store keys records as the README says to set Relay up: by nodeId where
// a type has one, by id otherwise.
import { pathToFileURL } from "node:url";
import { Environment, Network, RecordSource, Store, fetchQuery, createOperationDescriptor } from "relay-runtime";

const [artifactPath, url, variablesJSON] = process.argv.slice(2);
const { default: query } = await import(pathToFileURL(artifactPath).href);
const variables = JSON.parse(variablesJSON);

const warnings = [];
for (const level of ["warn", "error"]) {
  console[level] = (...args) => warnings.push(args.map(String).join(" "));
}

const environment = new Environment({
  network: Network.create(async (params, vars) => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/graphql-response+json" },
      body: JSON.stringify({ query: params.text, variables: vars }),
    });
    return response.json();
  }),
  store: new Store(new RecordSource()),
  getDataID: (value, typeName) => value.nodeId ?? value.id,
});

await fetchQuery(environment, query, variables).toPromise();
const operation = createOperationDescriptor(query, variables);
const snapshot = environment.lookup(operation.fragment);
process.stdout.write(JSON.stringify({ data: snapshot.data, warnings }));
