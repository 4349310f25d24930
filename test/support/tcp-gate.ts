import { createConnection, createServer, type Socket } from 'node:net';

/**
 * A loopback TCP relay in front of a real server that a test can hold: while held, no byte moves
 * either way (calls in flight stall, nothing fails); released, everything goes through as sent.
 * It stands for a Temporal frontend that is slow to answer, without touching the real server.
 * Cut, it stands for one that is down: every connection is dropped and new ones are reset.
 */
export interface TcpGate {
  /** host:port to connect to instead of the upstream. */
  address: string;
  hold(): void;
  release(): void;
  /** Unreachable until `release()`: open connections are dropped, new ones closed on arrival. */
  cut(): void;
  close(): Promise<void>;
}

export async function startTcpGate(upstream: string): Promise<TcpGate> {
  const [host, port] = [
    upstream.slice(0, upstream.lastIndexOf(':')),
    Number(upstream.slice(upstream.lastIndexOf(':') + 1)),
  ];
  const sockets = new Set<Socket>();
  let held = false;
  let cut = false;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (held) socket.pause();
  };
  const server = createServer((inbound) => {
    if (cut) {
      inbound.destroy();
      return;
    }
    const outbound = createConnection({ host, port });
    track(inbound);
    track(outbound);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('tcp gate did not bind');
  return {
    address: `127.0.0.1:${address.port}`,
    hold() {
      held = true;
      for (const socket of sockets) socket.pause();
    },
    cut() {
      cut = true;
      for (const socket of sockets) socket.destroy();
    },
    release() {
      held = false;
      cut = false;
      for (const socket of sockets) socket.resume();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
