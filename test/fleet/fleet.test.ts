// The fleet on real servers: three `easel serve` processes running deploy/easel.fleet.yaml, one
// PostgreSQL, one S3 bucket (s3rver), one Redis, behind HAProxy with deploy/haproxy.cfg; upstreams
// are the OpenAI and midjourney-proxy emulators. Each replica hands out image URLs in a different
// mode (serve, public, presigned), so one task polled on each shows all three.

import { randomBytes } from 'node:crypto';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { checkLedger } from '../../src/billing/ledger.ts';
import { type Db, openDatabase } from '../../src/storage/db/open.ts';
import type { Emulator } from '../emulators/kit.ts';
import { MJ_TEST_SECRET, createMidjourneyEmulator } from '../emulators/midjourney.ts';
import { OPENAI_TEST_KEY, createOpenaiEmulator } from '../emulators/openai.ts';
import { freshDatabaseUrl, tempDir } from '../helpers/databases.ts';
import { fleetReplicaEnv } from '../helpers/fleet.ts';
import { type Balancer, startBalancer } from '../helpers/haproxy.ts';
import { freePort } from '../helpers/postgres-cluster.ts';
import { type EaselProcess, spawnEaselWithConfig } from '../helpers/process.ts';
import { type RedisServer, startRedisServer } from '../helpers/redis.ts';
import { type S3Server, startS3Server } from '../helpers/s3.ts';

const FLEET_CONFIG = path.resolve(import.meta.dirname, '../../deploy/easel.fleet.yaml');
const ADMIN_TOKEN = `adm-fleet-${randomBytes(12).toString('hex')}`;
/** Per key per minute, shared by the fleet through Redis. */
const REQUESTS_PER_MINUTE = 120;
const MEDIA_MODES = ['serve', 'public', 'presigned'] as const;

interface Replica {
  port: number;
  mode: (typeof MEDIA_MODES)[number];
  dataDir: string;
  process: EaselProcess;
  url: string;
}

let databaseUrl: string;
let store: Db;
let db: Db['kysely'];
let redis: RedisServer;
let s3: S3Server;
let openai: Emulator;
let midjourney: Emulator;
let balancer: Balancer;
let balancerPort: number;
const replicas: Replica[] = [];

function replicaEnv(replica: Pick<Replica, 'port' | 'mode' | 'dataDir'>): Record<string, string> {
  const engines = { balancerPort, databaseUrl, redisUrl: redis.url, s3, adminToken: ADMIN_TOKEN, openaiUrl: openai.url, openaiKey: OPENAI_TEST_KEY, midjourneyUrl: midjourney.url, midjourneySecret: MJ_TEST_SECRET };
  return fleetReplicaEnv(engines, replica, {
    EASEL_STORAGE__MEDIA__MODE: replica.mode,
    ...(replica.mode === 'public' ? { EASEL_STORAGE__MEDIA__BASE_URL: `${s3.endpoint}/${s3.bucket}/images` } : {}),
    EASEL_LIMITS__REQUESTS_PER_MINUTE: String(REQUESTS_PER_MINUTE),
    // A killed replica's tasks are taken over once their lease lapses: short here, 30 s in production.
    EASEL_TASKS__LEASE_MS: '2000',
    EASEL_TASKS__WORKER_INTERVAL_MS: '200',
  });
}

async function startReplica(replica: Omit<Replica, 'process' | 'url'>): Promise<Replica> {
  const process = await spawnEaselWithConfig(FLEET_CONFIG, replicaEnv(replica));
  return { ...replica, process, url: process.url };
}

async function admin(pathname: string, json?: unknown): Promise<any> {
  const res = await fetch(`${balancer.url}${pathname}`, {
    method: json === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`${pathname}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** A new account with `creditUsd` and a key of its own, through the balancer. */
async function newKey(creditUsd = '100'): Promise<{ accountId: string; key: string }> {
  const account = await admin('/admin/v1/accounts', { name: 'fleet', credit_usd: creditUsd });
  const key = await admin(`/admin/v1/accounts/${account.id}/keys`, { name: 'fleet' });
  return { accountId: account.id, key: key.key };
}

function create(base: string, key: string, json: Record<string, unknown>): Promise<Response> {
  return fetch(`${base}/v1/images/generations`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(json) });
}

async function pollUntilClosed(base: string, key: string, taskId: string, timeoutMs = 60_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${base}/v1/tasks/${taskId}`, { headers: { authorization: `Bearer ${key}` } });
    const body = await res.json();
    if (body.status === 'completed' || body.status === 'failed') return body;
    if (Date.now() > deadline) throw new Error(`task ${taskId} still ${body.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function expectPng(url: string): Promise<Buffer> {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  const bytes = Buffer.from(await res.arrayBuffer());
  expect((await sharp(bytes).metadata()).format).toBe('png');
  return bytes;
}

async function expectBooksBalance(): Promise<void> {
  const check = await checkLedger(db);
  expect(check.problems).toEqual([]);
}

beforeAll(async () => {
  databaseUrl = (await freshDatabaseUrl('postgres'))!;
  // Opened (and migrated) the way a replica opens it, before any replica starts.
  store = await openDatabase({ databaseUrl, dataDir: tempDir('easel-fleet-'), poolSize: 2 });
  db = store.kysely;
  [redis, s3] = await Promise.all([startRedisServer(), startS3Server()]);
  openai = createOpenaiEmulator();
  midjourney = createMidjourneyEmulator();
  await Promise.all([openai.start(), midjourney.start()]);
  balancerPort = await freePort();
  // The first replica runs the migrations; the others then start side by side.
  const first = await startReplica({ port: await freePort(), mode: MEDIA_MODES[0], dataDir: tempDir('easel-fleet-') });
  const rest = await Promise.all(MEDIA_MODES.slice(1).map(async (mode) => startReplica({ port: await freePort(), mode, dataDir: tempDir('easel-fleet-') })));
  replicas.push(first, ...rest);
  balancer = await startBalancer(
    replicas.map((r) => r.url),
    balancerPort,
  );
}, 180_000);

afterAll(async () => {
  await balancer?.stop();
  await Promise.all(replicas.map((r) => r.process.kill('SIGTERM')));
  await Promise.all([openai?.close(), midjourney?.close()]);
  await Promise.all([redis?.remove(), s3?.close()]);
  await store?.close();
}, 60_000);

describe.sequential('a fleet of three replicas', () => {
  it('a task created through the balancer is polled on every replica, each handing out its own kind of URL, and every URL serves the image', async () => {
    const { key } = await newKey();
    const created = await (await create(balancer.url, key, { model: 'midjourney', prompt: 'a lighthouse at dusk' })).json();
    expect(created.status, JSON.stringify(created)).toBe('pending');
    const polled = await Promise.all(replicas.map((r) => pollUntilClosed(r.url, key, created.task_id)));
    const urls = polled.map((body) => {
      expect(body.status, JSON.stringify(body)).toBe('completed');
      return body.data[0].url as string;
    });
    const [served, publicUrl, presigned] = urls;
    // serve: the balancer's address, /media/{key}; public: the bucket's base + key; presigned: signed.
    expect(served).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${balancerPort}/media/`));
    expect(publicUrl.startsWith(`${s3.endpoint}/${s3.bucket}/images/`)).toBe(true);
    expect(new URL(presigned).searchParams.get('X-Amz-Signature')).toBeTruthy();
    const bytes = await Promise.all(urls.map(expectPng));
    expect(bytes[1].equals(bytes[0]) && bytes[2].equals(bytes[0])).toBe(true);
    // Any replica serves any image: the media path of the serve URL works on each replica directly.
    const mediaPath = new URL(served).pathname;
    for (const r of replicas) expect((await expectPng(`${r.url}${mediaPath}`)).equals(bytes[0])).toBe(true);
    // A second poll re-signs: a fresh signature, still valid.
    const again = await pollUntilClosed(replicas[2].url, key, created.task_id);
    await expectPng(again.data[0].url);
  }, 120_000);

  it(`a key's ${REQUESTS_PER_MINUTE} requests per minute hold across the replicas (three replicas do not give three times as many)`, async () => {
    const { key } = await newKey();
    const statuses: number[] = [];
    // Three times the limit, spread round-robin over the replicas directly, 30 at a time.
    const requests = Array.from({ length: REQUESTS_PER_MINUTE * 3 }, (_, i) => replicas[i % 3].url);
    for (let i = 0; i < requests.length; i += 30) {
      const batch = requests.slice(i, i + 30).map((base) => fetch(`${base}/v1/tasks/task_none`, { headers: { authorization: `Bearer ${key}` } }));
      statuses.push(...(await Promise.all(batch)).map((r) => r.status));
    }
    const passed = statuses.filter((s) => s !== 429).length;
    expect(passed).toBe(REQUESTS_PER_MINUTE);
    const refused = await fetch(`${replicas[1].url}/v1/tasks/task_none`, { headers: { authorization: `Bearer ${key}` } });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-limit')).toBe(String(REQUESTS_PER_MINUTE));
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  }, 60_000);

  it('an upstream 429 seen by one replica rests that channel on all of them at once', async () => {
    const { key } = await newKey();
    openai.inject({ kind: 'status', status: 429, message: 'Rate limit reached', retryAfter: 3 });
    const first = await create(replicas[0].url, key, { model: 'gpt-image-2', prompt: 'a red kite' });
    expect(first.status).toBe(429);
    const upstreamCalls = openai.requests.length;
    for (const r of replicas.slice(1)) {
      const res = await create(r.url, key, { model: 'gpt-image-2', prompt: 'a red kite' });
      expect(res.status, r.mode).toBe(429);
      expect((await res.json()).error.code).toBe('rate_limit_exceeded');
    }
    // The other replicas refused without asking the upstream: the rest reached them through Redis.
    expect(openai.requests.length).toBe(upstreamCalls);
    // The rest ends on every replica with the upstream's Retry-After.
    await new Promise((r) => setTimeout(r, 3_500));
    for (const r of replicas) expect((await create(r.url, key, { model: 'gpt-image-2', prompt: 'a red kite' })).status, r.mode).toBe(200);
  }, 60_000);

  it('SIGKILL of one replica under load (50 clients, inline and task models): no task lost, each closed once, nothing charged twice', async () => {
    const keys = await Promise.all(Array.from({ length: 10 }, () => newKey('50')));
    const victim = replicas[1];
    openai.inject({ kind: 'delay', ms: 400 }, 1_000);
    const clients = Array.from({ length: 50 }, async (_, i) => {
      const { key } = keys[i % keys.length];
      const model = i % 2 === 0 ? 'gpt-image-2' : 'midjourney';
      await new Promise((r) => setTimeout(r, (i % 10) * 60));
      const res = await create(balancer.url, key, { model, prompt: `fleet load ${i}` }).catch(() => undefined);
      const body = res ? await res.json().catch(() => undefined) : undefined;
      return { key, model, status: res?.status ?? 0, body };
    });
    await new Promise((r) => setTimeout(r, 500));
    await victim.process.kill('SIGKILL');
    // Whatever the checks below find, the replica comes back on its port for the tests after this one.
    onTestFinished(async () => {
      replicas[1] = await startReplica(victim);
    });
    const results = await Promise.all(clients);
    openai.clearFaults();
    const byStatus = new Map<number, number>();
    for (const r of results) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    console.info(`fleet SIGKILL: client answers ${[...byStatus].map(([status, n]) => `${status}×${n}`).join(' ')}`);
    // The kill landed mid-flight: some clients lost their connection with the replica (502 from the balancer).
    expect(results.filter((r) => r.status === 502 || r.status === 0).length).toBeGreaterThan(0);

    // Every task the fleet created reaches a terminal state, whoever drove it when the replica died.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const open = await db.selectFrom('tasks').select('id').where('status', 'in', ['pending', 'processing']).execute();
      if (open.length === 0) break;
      if (Date.now() > deadline) throw new Error(`${open.length} task(s) never closed after the SIGKILL`);
      await new Promise((r) => setTimeout(r, 500));
    }
    // The books balance: every reservation closed exactly once (one settle or one release), none left open.
    await expectBooksBalance();
    // Each client that was given a task or images can read them from a surviving replica.
    const survivor = replicas[0].url;
    for (const r of results) {
      if (r.status === 200 && r.body?.task_id) {
        const closed = await pollUntilClosed(survivor, r.key, r.body.task_id);
        expect(['completed', 'failed']).toContain(closed.status);
        if (closed.status === 'completed') await expectPng(closed.data[0].url);
      } else if (r.status === 200) {
        expect(r.body.data.length, JSON.stringify(r.body)).toBeGreaterThan(0);
      }
    }
    expect(results.filter((r) => r.status === 200).length).toBeGreaterThan(25);
  }, 180_000);

  it('the object store stopped mid-load: clear 503s with nothing charged, and full recovery when it returns', async () => {
    const { key, accountId } = await newKey('10');
    const before = (await admin(`/admin/v1/accounts/${accountId}`)).balance_usd;
    await s3.stop();
    try {
      const answers = await Promise.all(replicas.map((r) => create(r.url, key, { model: 'gpt-image-2', prompt: 'while the bucket is away' })));
      for (const res of answers) {
        expect(res.status).toBe(503);
        const body = await res.json();
        expect(body.error.code).toBe('storage_unavailable');
        expect(body.error.retryable).toBe(true);
      }
      expect((await admin(`/admin/v1/accounts/${accountId}`)).balance_usd).toBe(before);
    } finally {
      await s3.start();
      // Every replica failed /readyz while the bucket was away, so HAProxy took them all out of its
      // rotation: the next test's calls through it wait until its health checks let one back in.
      await balancer.serving();
    }
    for (const r of replicas) {
      const res = await create(r.url, key, { model: 'gpt-image-2', prompt: 'after the bucket is back' });
      expect(res.status, r.mode).toBe(200);
    }
    await expectBooksBalance();
  }, 120_000);

  it('Redis stopped mid-load: requests keep working (limits fall back to each replica), and sharing resumes when it returns', async () => {
    const { key } = await newKey();
    await redis.stop();
    try {
      const answers = await Promise.all(replicas.map((r) => create(r.url, key, { model: 'gpt-image-2', prompt: 'while redis is away' })));
      for (const res of answers) expect(res.status).toBe(200);
      const metrics = await (await fetch(`${replicas[0].url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
      expect(metrics).toMatch(/^easel_redis_up 0$/m);
    } finally {
      await redis.start();
    }
    // Back: the shared limiter counts again (the metric says Redis is up on every replica).
    for (const r of replicas) {
      await expect
        .poll(async () => (await (await fetch(`${r.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text()).match(/^easel_redis_up (\d)$/m)?.[1], { timeout: 15_000 })
        .toBe('1');
    }
    await expectBooksBalance();
  }, 120_000);
});
