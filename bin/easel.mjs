#!/usr/bin/env node
// The `easel` command. Easel runs its TypeScript sources directly through tsx's loader, so there is
// no build step between `npm ci` and `npm start`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
