import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts an app on `port` (0: any free one); resolves with its server once it listens, rejects if it cannot. */
export function listen(
  app: { listen(port: number, host: string): Server },
  port: number,
  host: string,
): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = app.listen(port, host);
    s.once('listening', () => resolve(s));
    s.once('error', reject);
  });
}

/** The loopback URL of a listening server (the port it was given, when it asked for 0). */
export const loopbackUrl = (server: Server): string =>
  `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
