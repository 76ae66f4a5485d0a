// The two task-based upstreams the client tests run against: the BFL and midjourney-proxy emulators,
// started together, with the channels that reach them (flux-pro on BFL, midjourney on the proxy).

import { BFL_TEST_KEY, createBflEmulator } from '../emulators/bfl.ts';
import { MJ_TEST_SECRET, createMidjourneyEmulator } from '../emulators/midjourney.ts';

export async function startTaskUpstreams(channelOptions: Record<string, unknown> = {}) {
  const bfl = createBflEmulator();
  const mj = createMidjourneyEmulator();
  await Promise.all([bfl.start(), mj.start()]);
  return {
    channels: [
      { id: 'bfl', provider: 'bfl', base_url: bfl.url, api_key: BFL_TEST_KEY, models: ['flux-pro'], options: { ...channelOptions, poll_hosts: [new URL(bfl.pollHost.url).host] } },
      { id: 'mj', provider: 'midjourney', base_url: `${mj.url}/mj`, api_key: MJ_TEST_SECRET, models: ['midjourney'], options: channelOptions },
    ],
    close: () => Promise.all([bfl.close(), mj.close()]),
  };
}
