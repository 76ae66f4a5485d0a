// A CPU profile of Easel's full path under load (issue 15, target 1's row (d)): `easel serve` under
// `node --cpu-prof`, the purpose-built 1×1 PNG upstream in its own process, autocannon for `--seconds`
// after a short warm-up; the profile is written when Easel exits and summarised by summarise.ts.
//
//   node --import tsx bench/profile/full-path-profile.ts [--seconds 10] [--connections 50] [--model gpt-image-2|dall-e-3] [--easel-root .]

import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { machineLine, startEasel, startUpstream } from '../peers/kit.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    model: { type: 'string', default: 'gpt-image-2' },
    'easel-root': { type: 'string', default: '.' },
  },
});
const root = values['easel-root'];
const dir = path.resolve('.tmp/prof', `${values.model}-${Date.now()}`);
mkdirSync(dir, { recursive: true });
const body =
  values.model === 'dall-e-3'
    ? { model: 'dall-e-3', prompt: 'a lighthouse at dawn', size: '1024x1024', response_format: 'url' }
    : { model: 'gpt-image-2', prompt: 'a lighthouse at dawn', size: '1024x1024', quality: 'low', response_format: 'b64_json' };

const startLine = machineLine(root);
const upstream = await startUpstream();
const spawnedAt = performance.now();
const easel = await startEasel({ root, upstream: upstream.url, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] });
const load = (seconds: number) =>
  autocannon({ url: `${easel.url}/v1/images/generations`, method: 'POST', connections: Number(values.connections), duration: seconds, headers: { 'content-type': 'application/json', authorization: `Bearer ${easel.key}` }, body: JSON.stringify(body) });
let result: autocannon.Result;
let skipMs = 0;
try {
  await load(2);
  skipMs = Math.round(performance.now() - spawnedAt);
  result = await load(Number(values.seconds));
} finally {
  await easel.stop();
  await upstream.stop();
}
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error(`no .cpuprofile in ${dir}: did Easel exit cleanly?`);
console.log(`${startLine}\n${values.model}, ${values.connections} connections, ${values.seconds} s: ${Math.round(result.requests.total / Number(values.seconds))} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}. The summary leaves out the first ${skipMs} ms of the profile (start and 2 s warm-up).\n`);
console.log(execFileSync(process.execPath, ['--import', 'tsx', 'bench/profile/summarise.ts', path.join(dir, file), '--skip-ms', String(skipMs)], { encoding: 'utf8' }));
