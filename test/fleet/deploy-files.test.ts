// The deployment files cannot run here (no Docker engine), so they are held to what the fleet test
// runs: the compose file starts the same balancer config and replica config, gives each the
// variables it references, and its ports agree with them; the replica config loads and validates
// with the compose file's environment; the unit and the image start the same command.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.ts';

const DEPLOY = path.resolve(import.meta.dirname, '../../deploy');
const read = (name: string) => readFileSync(path.join(DEPLOY, name), 'utf8');
const compose = parse(read('compose.yaml'));

/** `${VAR}` and `${VAR:-default}` references; the ones without a default must be set. */
function referencedVariables(text: string): { required: string[]; all: string[] } {
  const refs = [...text.matchAll(/\$\{([A-Z0-9_]+)(:-[^}]*)?\}/g)].map((m) => ({ name: m[1], optional: m[2] !== undefined }));
  return { required: [...new Set(refs.filter((r) => !r.optional).map((r) => r.name))], all: [...new Set(refs.map((r) => r.name))] };
}

/** The compose file's own `${X:-default}` forms take their default, `${X:?message}` (a required secret) a stand-in. */
function resolvedEnv(env: Record<string, string>): Record<string, string> {
  const resolve = (value: string) => value.replace(/\$\{[A-Z0-9_]+(?::([?-])([^}]*))?\}/g, (_whole, op?: string, fallback?: string) => (op === '-' ? (fallback ?? '') : 'adm-compose-stand-in-token'));
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, resolve(String(v))]));
}

describe('deploy/compose.yaml', () => {
  it('runs PostgreSQL, Redis, an S3 server, three replicas and the balancer', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['postgres', 'redis', 's3', 'easel1', 'easel2', 'easel3', 'lb']));
  });

  it('gives the balancer every variable deploy/haproxy.cfg reads, with the replicas on the port the replica config listens on', () => {
    const lb = compose.services.lb;
    expect(lb.volumes).toContain('./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
    for (const name of referencedVariables(read('haproxy.cfg')).required) expect(Object.keys(lb.environment), name).toContain(name);
    const replicaPort = parse(read('easel.fleet.yaml')).port;
    for (const i of [1, 2, 3]) expect(lb.environment[`EASEL_REPLICA_${i}`]).toBe(`easel${i}:${replicaPort}`);
    const published = Number(String(lb.ports[0]).split(':')[0]);
    expect(lb.environment.EASEL_LB_BIND).toBe(`0.0.0.0:${published}`);
    expect(new URL(compose.services.easel1.environment.EASEL_PUBLIC_URL).port).toBe(String(published));
  });

  it('gives every replica the variables deploy/easel.fleet.yaml needs, and that config loads with them', () => {
    const fleetYaml = read('easel.fleet.yaml');
    for (const name of ['easel1', 'easel2', 'easel3']) {
      const service = compose.services[name];
      expect(service.volumes).toContain('./easel.fleet.yaml:/etc/easel/easel.yaml:ro');
      for (const variable of referencedVariables(fleetYaml).required) expect(Object.keys(service.environment), `${name} ${variable}`).toContain(variable);
    }
    const env = resolvedEnv(compose.services.easel1.environment);
    const config = loadConfig({ ...env, EASEL_CONFIG: path.join(DEPLOY, 'easel.fleet.yaml') });
    expect(config.database_url).toBe(env.EASEL_DATABASE_URL);
    expect(config.redis_url).toBe(env.EASEL_REDIS_URL);
    expect(config.storage).toMatchObject({ kind: 's3', bucket: env.EASEL_S3_BUCKET, endpoint: env.EASEL_S3_ENDPOINT, force_path_style: true });
    expect(config.channels.map((c) => c.provider)).toEqual(['openai', 'midjourney']);
  });

  it('creates the bucket the replicas are told to use, with the credentials they are given', () => {
    const env = compose.services.easel1.environment;
    expect(compose.services['s3-bucket'].entrypoint.join(' ')).toContain(`s3/${env.EASEL_S3_BUCKET}`);
    expect(compose.services.s3.environment).toMatchObject({ MINIO_ROOT_USER: env.AWS_ACCESS_KEY_ID, MINIO_ROOT_PASSWORD: env.AWS_SECRET_ACCESS_KEY });
    expect(new URL(env.EASEL_S3_ENDPOINT).hostname).toBe('s3');
  });
});

describe('the unit and the image', () => {
  it('start the same command the fleet test starts, with the fleet config', () => {
    expect(read('easel.service')).toMatch(/^ExecStart=\/usr\/bin\/node bin\/easel\.mjs serve$/m);
    expect(read('easel.service')).toMatch(/^Environment=EASEL_CONFIG=\/etc\/easel\/easel\.yaml$/m);
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/^CMD \["node", "bin\/easel\.mjs", "serve"\]$/m);
    expect(dockerfile).toMatch(/^EXPOSE 8080$/m);
  });
});
