// Connections that were opened but have not sent a byte yet (pre-connects: browsers and undici open
// one ahead of the next request, and again after an aborted one). Node counts them as neither idle nor
// active, so closeIdleConnections() leaves them and a graceful stop would wait for them until its
// grace ran out. The stop closes them with the idle ones.

import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export function trackUnusedConnections(server: Server): { closeUnused(): void } {
  const unused = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    unused.add(socket);
    const forget = () => unused.delete(socket);
    socket.once('data', forget);
    socket.once('close', forget);
  });
  return {
    closeUnused: () => {
      for (const socket of unused) socket.destroy();
      unused.clear();
    },
  };
}
