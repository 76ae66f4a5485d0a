#!/usr/bin/env node
// The `easel` command. Easel runs its TypeScript sources directly through tsx's loader, so there is
// no build step between `npm ci` and `npm start`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
// Exit explicitly once done: idle keep-alive sockets to upstreams must not hold a stopped server open.
process.exit(await main(process.argv.slice(2)));
