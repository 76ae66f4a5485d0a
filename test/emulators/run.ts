// `npm run emulator -- <name> --port N`: runs one upstream emulator on its own, for benchmarks and
// manual tries. Faults: POST /__emulator/faults {"fault":{"kind":"status","status":503},"times":3}.

import { parseArgs } from 'node:util';
import { EMULATORS } from './index.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
});
const name = positionals[0];
const make = name ? EMULATORS[name] : undefined;
if (!make) {
  process.stderr.write(`usage: npm run emulator -- <${Object.keys(EMULATORS).join('|')}> --port N\n`);
  process.exit(2);
}
const emulator = make();
const url = await emulator.start(Number(values.port), values.host);
process.stdout.write(`${name} emulator listening on ${url}\n`);
const stop = () => void emulator.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
