// The health prober of bench/peers/waiting-clients.ts, in a process of its own: in the bench's process
// the probes would wait behind its 2,000 clients' answers (reading, parsing) and time the bench, not
// the gateway. Probes `url` every `everyMs` until stdin closes, then prints one JSON line:
// [[ms since start, latency ms, ok], ...]. Plain JavaScript: no loader to start.
//
//   node bench/peers/health-prober.mjs <url> <everyMs>

import { Agent, request } from 'undici';

const [url, everyArg] = process.argv.slice(2);
const everyMs = Number(everyArg);
const agent = new Agent({ connections: 2 });
const samples = [];
const start = performance.now();
let running = true;
process.stdin.on('end', () => (running = false)).resume();
while (running) {
  const t0 = performance.now();
  let ok = false;
  try {
    const res = await request(url, { dispatcher: agent, headersTimeout: 30_000 });
    await res.body.dump();
    ok = res.statusCode === 200;
  } catch {
    ok = false;
  }
  const ms = performance.now() - t0;
  samples.push([Math.round(t0 - start), Math.round(ms * 10) / 10, ok]);
  await new Promise((r) => setTimeout(r, Math.max(0, everyMs - ms)));
}
process.stdout.write(`${JSON.stringify(samples)}\n`);
await agent.close();
