// `easel serve`: the gateway until SIGTERM or SIGINT (a graceful stop). SIGHUP reloads the channels
// from the configuration file; nothing else in it changes without a restart.

import type { Config } from '../config/schema.ts';
import { loadConfig } from '../config/load.ts';
import { type RunningServer, startServer } from '../main.ts';
import { buildChannels } from '../routing/channels.ts';

export async function serveCommand(config: Config): Promise<number> {
  // Heard from the first moment: SIGHUP's default would end the process. One that comes while the
  // server starts is answered once it runs (the file may have changed after it was read).
  let server: RunningServer | undefined;
  let missed = false;
  const reload = () => (server ? reloadChannels(server) : (missed = true));
  process.on('SIGHUP', reload);
  const running = await startServer(config);
  server = running;
  if (missed) reloadChannels(running);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      running.log.info({ signal }, 'Stopping: finishing in-flight requests');
      running.close().then(resolve, (err) => {
        running.log.error({ err }, 'Error while stopping');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  process.off('SIGHUP', reload);
  return 0;
}

/**
 * Reads the configuration again (file and environment, as at start), checks it whole and builds its
 * channels; only then swaps them into the router at once. A file that does not load, or a channel
 * that does not build, is logged and the channels in use stay. Health is kept per channel id.
 */
export function reloadChannels(server: Pick<RunningServer, 'router' | 'log'>, load: () => Config = () => loadConfig()): boolean {
  const before = server.router.channels.map((c) => c.id);
  let channels;
  try {
    channels = buildChannels(load().channels);
  } catch (err) {
    // The message names the field, not its value; a YAML error's excerpt of the file (which may hold
    // a key) follows a blank line and is left out.
    server.log.error({ error: (err as Error).message.split('\n\n')[0] }, 'SIGHUP: the configuration did not load; the channels in use stay');
    return false;
  }
  server.router.replaceChannels(channels);
  const after = channels.map((c) => c.id);
  server.log.info(
    { channels: after, added: after.filter((id) => !before.includes(id)), removed: before.filter((id) => !after.includes(id)) },
    'SIGHUP: channels reloaded',
  );
  return true;
}
