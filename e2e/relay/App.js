import { graphql } from "react-relay";
export const jobCard = graphql`
  fragment AppJobCard_job on Job @refetchable(queryName: "AppJobCardRefetchQuery") {
    name
    lastStatus
    lastFinishedSession { status endTime }
  }
`;
export const users = graphql`
  fragment AppUsers_organization on Organization
  @refetchable(queryName: "AppUsersPaginationQuery")
  @argumentDefinitions(count: { type: "Int", defaultValue: 7 }, cursor: { type: "String" }) {
    users(first: $count, after: $cursor) @connection(key: "AppUsers_users") {
      edges { node { id name protection { protected } } }
    }
  }
`;
export const app = graphql`
  query AppQuery {
    jobs(first: 3) { nodes { nodeId ...AppJobCard_job } }
    organizations(first: 1) { nodes { nodeId ...AppUsers_organization } }
  }
`;
export const sessions = graphql`
  query AppSessionsQuery($failed: ID!, $other: ID!) {
    failed: jobSession(id: $failed) { status processedObjects(first: 100) { nodes { id objectId status } } }
    other: jobSession(id: $other) { status processedObjects(first: 100) { nodes { id objectId status } } }
  }
`;
