// `easel channels`: the channels the configuration declares, as a server started now would build
// them (checked the same way, so a bad entry fails here too). Health lives in each running server,
// so it is not shown: GET /admin/v1/channels on a server answers that.

import type { Config } from '../config/schema.ts';
import { channelView } from '../http/admin-views.ts';
import { buildChannels, DEMO_CHANNEL_ID } from '../routing/channels.ts';
import { JSON_OPTION, type Out, printJson, printTable, readArgs } from './args.ts';

export function channelsCommand(config: Config, args: string[], out: Out): number {
  const { values } = readArgs(args, JSON_OPTION, 'channels [--json]');
  const data = buildChannels(config.channels).map((c) => channelView(c));
  if (values.json) {
    printJson(out, { object: 'list', data, has_more: false });
    return 0;
  }
  printTable(out, ['ID', 'PROVIDER', 'PRIORITY', 'WEIGHT', 'HOST', 'MODELS'], data.map((c) => [c.id, c.provider, c.priority, c.weight, c.base_url_host, c.models.join(',')]));
  if (config.channels.length === 0) out(`(none configured: the built-in '${DEMO_CHANNEL_ID}' channel serves every model offline)\n`);
  out('Health (resting, failures, 429s) is kept by each running server: ask one with GET /admin/v1/channels.\n');
  return 0;
}
