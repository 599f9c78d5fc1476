/**
 * A TCP load balancer for the multi-node scenarios: each new connection goes
 * to the next backend in turn, as a plain TCP/WebSocket balancer in front of
 * relay nodes would send it (spec/relay.md §8.3). Clients reconnecting after
 * a restart or a network loss therefore land on other nodes.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Balancer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startBalancer(backendPorts: readonly number[]): Promise<Balancer> {
  const sockets = new Set<Socket>();
  let next = 0;
  const server: Server = createServer((client) => {
    const port = backendPorts[next++ % backendPorts.length] as number;
    const upstream = connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => { sockets.delete(s); client.destroy(); upstream.destroy(); });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
