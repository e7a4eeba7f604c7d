/**
 * A TCP relay in front of a real PostgreSQL server that, once armed, holds back the first
 * ReadyForQuery of each new connection until the server sends anything more (or closes), then
 * writes both at once. A server shutdown then reaches the client as "ReadyForQuery + FATAL 57P01"
 * in one read: the timing, rare on its own, in which a pool hands out a fresh connection and its
 * error arrives before the taker has had a chance to listen for errors. Bytes are never changed.
 */
import * as net from 'node:net';

export class PgStartupHoldProxy {
  private armed = false;
  private readonly sockets = new Set<net.Socket>();
  held = 0;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<PgStartupHoldProxy> {
    const made: { proxy?: PgStartupHoldProxy } = {};
    const server = net.createServer((client) => made.proxy!.relay(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    made.proxy = new PgStartupHoldProxy(server, (server.address() as net.AddressInfo).port);
    return made.proxy;
  }

  /** From now on, new connections get their first ReadyForQuery held back. */
  arm(): void {
    this.armed = true;
  }

  disarm(): void {
    this.armed = false;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: net.Socket, target: { host: string; port: number }): void {
    const upstream = net.connect(target.port, target.host);
    this.sockets.add(client).add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close);
    client.on('data', (chunk) => upstream.write(chunk));

    let hold = this.armed;
    let pending = Buffer.alloc(0);
    let held: Buffer | undefined;
    upstream.on('data', (chunk: Buffer) => {
      if (held) {
        // The server spoke again: the held ReadyForQuery and this go out in one write.
        client.write(Buffer.concat([held, chunk]));
        held = undefined;
        return;
      }
      if (!hold) {
        client.write(chunk);
        return;
      }
      // Server messages: a type byte and a 4-byte length that counts itself.
      pending = Buffer.concat([pending, chunk]);
      let offset = 0;
      while (pending.length - offset >= 5) {
        const length = pending.readInt32BE(offset + 1);
        if (pending.length - offset < 1 + length) break;
        if (pending[offset] === 0x5a /* 'Z' ReadyForQuery */) {
          const end = offset + 1 + length;
          client.write(pending.subarray(0, offset));
          held = pending.subarray(offset, end);
          const rest = pending.subarray(end);
          hold = false;
          pending = Buffer.alloc(0);
          this.held++;
          if (rest.length) {
            client.write(Buffer.concat([held, rest]));
            held = undefined;
          }
          return;
        }
        offset += 1 + length;
      }
    });
    upstream.on('close', () => {
      if (held) client.write(held);
      held = undefined;
      client.end();
    });
  }
}
