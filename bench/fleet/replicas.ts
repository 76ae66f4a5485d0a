// One replica against three, both behind HAProxy (deploy/haproxy.cfg) on the full fleet path:
// PostgreSQL, an s3rver bucket, Redis, `easel serve` on deploy/easel.fleet.yaml, the OpenAI emulator
// as the upstream (its own process). Load: autocannon creating gpt-image-2 images with
// response_format url (quote, reserve, upstream call, store to the bucket, settle), bounded in time.
// "One replica" points all three balancer slots at the same process, so both runs pay the balancer.
//
//   node --import tsx bench/fleet/replicas.ts [--seconds 15] [--connections 32]

import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { freshDatabaseUrl, tempDir } from '../../test/helpers/databases.ts';
import { fleetReplicaEnv } from '../../test/helpers/fleet.ts';
import { startBalancer } from '../../test/helpers/haproxy.ts';
import { freePort, startPgCluster } from '../../test/helpers/postgres-cluster.ts';
import { spawnEaselWithConfig, type EaselProcess } from '../../test/helpers/process.ts';
import { startRedisServer } from '../../test/helpers/redis.ts';
import { startS3Server } from '../../test/helpers/s3.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '15' }, connections: { type: 'string', default: '32' } } });
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const OPENAI_KEY = 'sk-test-openai-emulator-4f1c2a';
const ADMIN_TOKEN = 'adm-bench-fleet-0123456789abcdef';
const FLEET_CONFIG = path.resolve(import.meta.dirname, '../../deploy/easel.fleet.yaml');

function startEmulator(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/emulators/run.ts', 'openai', '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => String(d).includes('listening') && resolve(child));
    child.once('exit', (code) => reject(new Error(`emulator exited ${code}`)));
  });
}

async function main(): Promise<void> {
  const pg = process.env.EASEL_TEST_POSTGRES_URL ? undefined : await startPgCluster();
  const databaseUrl = (await freshDatabaseUrl('postgres', process.env.EASEL_TEST_POSTGRES_URL ?? pg!.url))!;
  const [redis, s3] = await Promise.all([startRedisServer(), startS3Server()]);
  const emulatorPort = await freePort();
  const emulator = await startEmulator(emulatorPort);
  const balancerPort = await freePort();
  const engines = {
    balancerPort,
    databaseUrl,
    redisUrl: redis.url,
    s3,
    adminToken: ADMIN_TOKEN,
    openaiUrl: `http://127.0.0.1:${emulatorPort}`,
    openaiKey: OPENAI_KEY,
    midjourneyUrl: `http://127.0.0.1:${emulatorPort}`,
    midjourneySecret: 'unused',
  };
  const env = (port: number) => fleetReplicaEnv(engines, { port, dataDir: tempDir('easel-bench-fleet-') }, { EASEL_LIMITS__REQUESTS_PER_MINUTE: '0' });
  const replicas: EaselProcess[] = [];
  for (let i = 0; i < 3; i++) replicas.push(await spawnEaselWithConfig(FLEET_CONFIG, env(await freePort())));

  const admin = async (pathname: string, json: unknown) =>
    (
      await fetch(`${replicas[0].url}${pathname}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(json),
      })
    ).json();
  const account = await admin('/admin/v1/accounts', { name: 'bench', credit_usd: '1000000' });
  const { key } = await admin(`/admin/v1/accounts/${account.id}/keys`, { name: 'bench' });

  const results: Array<{ name: string; rps: number; p50: number; p99: number; non2xx: number }> = [];
  for (const [name, backends] of [
    ['1 replica', [replicas[0].url, replicas[0].url, replicas[0].url]],
    ['3 replicas', replicas.map((r) => r.url)],
  ] as const) {
    const balancer = await startBalancer([...backends], balancerPort);
    const body = JSON.stringify({ model: 'gpt-image-2', prompt: 'bench', response_format: 'url' });
    const run = (duration: number) =>
      autocannon({
        url: `http://127.0.0.1:${balancerPort}/v1/images/generations`,
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body,
        connections: CONNECTIONS,
        duration,
      });
    const probe = await fetch(`http://127.0.0.1:${balancerPort}/v1/images/generations`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });
    if (probe.status !== 200) throw new Error(`${name}: a create answers ${probe.status} ${await probe.text()}\n${replicas.map((r) => r.output().slice(-1500)).join('\n---\n')}`);
    await run(3); // warm-up: connection pools, JIT
    const r = await run(SECONDS);
    // A run with refusals is not a throughput figure: say which statuses came back.
    if (r.non2xx) console.log(`${name}: answers by status ${JSON.stringify((r as unknown as { statusCodeStats: unknown }).statusCodeStats)}`);
    results.push({ name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx + r.errors });
    await balancer.stop();
  }

  const [one, three] = results;
  console.log(`\nfull path, ${CONNECTIONS} connections, ${SECONDS} s each, through HAProxy:`);
  for (const r of results) console.log(`  ${r.name.padEnd(10)} ${r.rps.toFixed(1).padStart(7)} req/s   p50 ${r.p50} ms   p99 ${r.p99} ms   non-2xx ${r.non2xx}`);
  console.log(`  ratio 3/1: ${(three.rps / one.rps).toFixed(2)}× req/s, p99 ${(three.p99 / one.p99).toFixed(2)}×`);

  await Promise.all(replicas.map((r) => r.kill('SIGTERM')));
  emulator.kill('SIGTERM');
  await Promise.all([redis.remove(), s3.close()]);
  await pg?.remove();
  process.exit(0);
}

await main();
