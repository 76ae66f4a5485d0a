// The environment one replica of the fleet runs deploy/easel.fleet.yaml with, on loopback engines:
// shared by the fleet test and the fleet benchmark, which differ only in the settings they add.

import type { S3Server } from './s3.ts';

export interface FleetEngines {
  balancerPort: number;
  databaseUrl: string;
  redisUrl: string;
  s3: S3Server;
  adminToken: string;
  /** Base URLs of the upstream emulators (the OpenAI one without /v1). */
  openaiUrl: string;
  openaiKey: string;
  midjourneyUrl: string;
  midjourneySecret: string;
}

/** What every replica is given; `extra` adds or overrides settings (EASEL_<PATH> names). */
export function fleetReplicaEnv(engines: FleetEngines, replica: { port: number; dataDir: string }, extra: Record<string, string> = {}): Record<string, string> {
  const { s3 } = engines;
  return {
    EASEL_HOST: '127.0.0.1',
    EASEL_PORT: String(replica.port),
    EASEL_DATA_DIR: replica.dataDir,
    // spawnEaselWithConfig reads the listening address from the info line.
    EASEL_LOG_LEVEL: 'info',
    EASEL_PUBLIC_URL: `http://127.0.0.1:${engines.balancerPort}`,
    EASEL_DATABASE_URL: engines.databaseUrl,
    EASEL_REDIS_URL: engines.redisUrl,
    // The fleet tests check what is shared, not how fast a lost Redis is given up on
    // (test/http/redis-limits.test.ts does): a loaded machine can stall a replica past 150 ms, and
    // the replica would rightly fail open onto its own counters.
    EASEL_REDIS_COMMAND_TIMEOUT_MS: '2000',
    EASEL_ADMIN_TOKEN: engines.adminToken,
    EASEL_S3_ENDPOINT: s3.endpoint,
    EASEL_S3_BUCKET: s3.bucket,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    OPENAI_BASE_URL: `${engines.openaiUrl}/v1`,
    OPENAI_API_KEY: engines.openaiKey,
    MIDJOURNEY_PROXY_URL: `${engines.midjourneyUrl}/mj`,
    MIDJOURNEY_PROXY_SECRET: engines.midjourneySecret,
    ...extra,
  };
}
