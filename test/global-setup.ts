// Starts a throwaway PostgreSQL cluster for the store tests unless EASEL_TEST_POSTGRES_URL already
// points at one. The cluster lives in a temporary folder, listens on 127.0.0.1 only, and is removed
// after the run.

import { startPgCluster } from './helpers/postgres-cluster.ts';

export default async function setup(): Promise<(() => void) | void> {
  if (process.env.EASEL_TEST_POSTGRES_URL) return;
  const cluster = await startPgCluster();
  process.env.EASEL_TEST_POSTGRES_URL = cluster.url;
  return () => cluster.remove();
}
