// What a V8 profile cannot see: native time. Under the same load as full-path-profile.ts (Easel's
// full path, gpt-image-2 b64_json, the 1×1 PNG upstream), `perf record` samples the Easel process
// for `--seconds` and reports the share per shared object (SQLite inside better-sqlite3's addon,
// the kernel, V8's JIT code, libc, node), then `strace -c -f` counts its system calls for as long,
// divided by the requests made meanwhile (fsyncs per request, writes per request).
//
//   node --import tsx bench/profile/native-profile.ts [--seconds 5] [--connections 50] [--easel-root .]

import { execFileSync, spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { machineLine, startEasel, startUpstream } from '../peers/kit.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '50' }, 'easel-root': { type: 'string', default: '.' } } });
const SECONDS = Number(values.seconds);
const root = values['easel-root'];
const body = { model: 'gpt-image-2', prompt: 'a lighthouse at dawn', size: '1024x1024', quality: 'low', response_format: 'b64_json' };

/** Runs a tool beside the load for SECONDS; resolves with its stderr+stdout and the requests made meanwhile. */
async function beside(cmd: string, args: string[], url: string, key: string): Promise<{ output: string; requests: number }> {
  const tool = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  tool.stdout.on('data', (d) => (output += d));
  tool.stderr.on('data', (d) => (output += d));
  const done = new Promise((r) => tool.once('exit', r));
  const r = await autocannon({ url: `${url}/v1/images/generations`, method: 'POST', connections: Number(values.connections), duration: SECONDS, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
  tool.kill('SIGINT');
  await done;
  return { output, requests: r.requests.total };
}

const startLine = machineLine(root);
const upstream = await startUpstream();
const easel = await startEasel({ root, upstream: upstream.url });
try {
  await autocannon({ url: `${easel.url}/v1/images/generations`, method: 'POST', connections: Number(values.connections), duration: 2, headers: { 'content-type': 'application/json', authorization: `Bearer ${easel.key}` }, body: JSON.stringify(body) });
  const data = `.tmp/prof/perf-${Date.now()}.data`;
  const perf = await beside('perf', ['record', '-F', '997', '-g', '-o', data, '-p', String(easel.pid)], easel.url, easel.key);
  console.log(`${startLine}\nperf: ${perf.requests} requests in ${SECONDS} s\n`);
  console.log(execFileSync('perf', ['report', '-i', data, '--no-children', '--sort', 'dso', '--stdio', '--percent-limit', '0.5', '-g', 'none'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).replace(/^#.*\n/gm, ''));
  console.log(execFileSync('perf', ['report', '-i', data, '--no-children', '--sort', 'dso,sym', '--stdio', '--percent-limit', '0.7', '-g', 'none'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).replace(/^#.*\n/gm, ''));
  const strace = await beside('strace', ['-c', '-f', '-p', String(easel.pid)], easel.url, easel.key);
  console.log(`strace -c: ${strace.requests} requests in ${SECONDS} s (strace slows the process; the counts per request hold)\n${strace.output}`);
} finally {
  await easel.stop();
  await upstream.stop();
}
