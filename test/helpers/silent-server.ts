/** A loopback TCP server that accepts connections and never answers (nor completes a TLS handshake). */
import { createServer, type AddressInfo, type Socket } from 'node:net';

export interface SilentServer {
  /** 127.0.0.1:PORT */
  host: string;
  stop(): Promise<void>;
}

export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.resume();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
