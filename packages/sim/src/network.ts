/**
 * The simulated network: named servers, each behind its own path, reached through
 * the NTP client's real exchange (`runNtpExchange`) with a transport that carries
 * datagrams in virtual time instead of a UDP socket. So `query` has exactly
 * `queryNtp`'s contract — T1 and T4 read from the caller's clock, the timeout, the
 * replay and uncertainty checks, abort — because it is the same code.
 */
import {
  parseServerSpec,
  runNtpExchange,
  type NtpQueryRequest,
  type NtpQueryResult,
  type NtpTransport,
  type NtpTransportHandlers,
  type Resolver,
  type TimerApi,
} from '@chronotick/ntp';
import { SimError } from './errors';
import { SimPath, type SimPathParams } from './path';
import type { VirtualScheduler } from './scheduler';
import { stream } from './seeds';
import { SimServer, type SimServerParams } from './server';

/** One server of the world and the path to it. */
export interface SimServerEntry {
  /** As the daemon is configured with it: `host[:port]`, e.g. `sim-a.example:123`. */
  name: string;
  server: SimServerParams;
  path: SimPathParams;
  /**
   * The server is on this host (or its LAN): it resolves to a loopback address, so the
   * daemon classes it as local and may poll it densely. Default false: a TEST-NET address.
   */
  local?: boolean;
}

/** The truth about one exchange whose reply reached the host, for scoring. */
export interface SimExchangeRecord {
  server: string;
  /** Host realtime at T1 and T4, Unix seconds: what the client read. */
  t1HostS: number;
  t4HostS: number;
  /** True Unix seconds at T4. */
  t4TrueS: number;
  /** θ = true − host at the instant the host read t4HostS. */
  trueOffsetAtT4S: number;
  /** One-way delays, seconds; (forward − return)/2 is what the path adds to the measured offset. */
  forwardS: number;
  returnS: number;
}

export interface SimNetworkOptions {
  servers: readonly SimServerEntry[];
  /** Seed of the servers', paths' and client randomiser's streams. Default 1. */
  seed?: number;
  /** Exchange records kept, newest last. Default 100,000. */
  logLimit?: number;
  /** Called for every exchange record as it happens. */
  onExchange?: (record: SimExchangeRecord) => void;
}

interface Endpoint {
  name: string;
  server: SimServer;
  path: SimPath;
}

/** TEST-NET ranges (RFC 5737): addresses that exist nowhere, so nothing real is ever named. */
const TEST_NETS = ['192.0.2.', '198.51.100.', '203.0.113.'];
/** Local servers' addresses: loopback, which no simulated datagram ever leaves the process for. */
const LOOPBACK_NET = '127.0.0.';

export class SimNetwork {
  /** Requests sent towards each server (lost ones too): what NTP etiquette is judged on. */
  readonly requests: Record<string, number> = {};
  /** Of those, the ones the path lost (at random or in an outage). */
  readonly lost: Record<string, number> = {};
  /** Resolves each server's host to its made-up address. */
  readonly resolver: Resolver;
  private readonly addresses = new Map<string, string>();
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly servers = new Map<string, SimServer>();
  private readonly log: SimExchangeRecord[] = [];
  private readonly logLimit: number;
  private readonly transmitRandom: () => number;

  constructor(
    private readonly scheduler: VirtualScheduler,
    private readonly options: SimNetworkOptions,
  ) {
    const seed = options.seed ?? 1;
    this.logLimit = options.logLimit ?? 100_000;
    const random = stream(seed, 'client-transmit');
    this.transmitRandom = () => Math.floor(random.next() * 2 ** 32);
    for (const entry of options.servers) {
      const { host, port } = parseServerSpec(entry.name);
      if (this.servers.has(entry.name)) throw new SimError('SIM_BAD_CONFIG', `server "${entry.name}" is listed twice`);
      let address = this.addresses.get(host);
      if (address === undefined) {
        const i = this.addresses.size;
        const net = entry.local === true ? LOOPBACK_NET : TEST_NETS[Math.floor(i / 254)];
        if (net === undefined) throw new SimError('SIM_BAD_CONFIG', `at most ${254 * TEST_NETS.length} server hosts`);
        // Loopback hosts start at .2: 127.0.0.1 is the host itself.
        address = `${net}${(i % 254) + (entry.local === true ? 2 : 1)}`;
        this.addresses.set(host, address);
      }
      const server = new SimServer(entry.server, scheduler.startS, stream(seed, `server:${entry.name}`));
      const path = new SimPath(entry.path, stream(seed, `path:${entry.name}`));
      this.endpoints.set(`${address}:${port}`, { name: entry.name, server, path });
      this.servers.set(entry.name, server);
      this.requests[entry.name] = 0;
      this.lost[entry.name] = 0;
    }
    this.resolver = async (host) => {
      const address = this.addresses.get(host);
      if (address === undefined) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
      return [{ address, family: 4 }];
    };
  }

  /**
   * One NTP exchange through the simulated network, with `queryNtp`'s contract. The
   * timeout and the reply's flight run on `req.timers`, or on the scheduler's when the
   * caller gives none (queryNtp's default, Node's own timers, would wait in real time).
   */
  readonly query = (req: NtpQueryRequest): Promise<NtpQueryResult> => {
    const timed = { ...req, timers: req.timers ?? this.scheduler.timers };
    return runNtpExchange(timed, (_target, handlers) => this.transport(timed, handlers), { random: this.transmitRandom });
  };

  /** The made-up address of a configured server's host. */
  addressOf(name: string): string | undefined {
    return this.addresses.get(parseServerSpec(name).host);
  }

  /** A configured server, to ask what its clock said. */
  server(name: string): SimServer | undefined {
    return this.servers.get(name);
  }

  /** The newest exchange records (at most `logLimit`), oldest first. */
  get exchanges(): readonly SimExchangeRecord[] {
    return this.log.length > this.logLimit ? this.log.slice(-this.logLimit) : this.log;
  }

  private transport(req: NtpQueryRequest & { timers: TimerApi }, handlers: NtpTransportHandlers): NtpTransport {
    const { timers } = req;
    let delivery: unknown = null;
    return {
      connect: (ready) => ready(),
      send: (data) => {
        delivery = this.carry(req, data, timers, handlers);
      },
      close: () => {
        if (delivery !== null) timers.clearTimeout(delivery);
        delivery = null;
      },
    };
  }

  /**
   * Takes the request to its server and schedules the reply's arrival; null when
   * nothing will come back (no such server, lost, outage, silent server).
   */
  private carry(req: NtpQueryRequest, data: Buffer, timers: TimerApi, handlers: NtpTransportHandlers): unknown {
    const endpoint = this.endpoints.get(`${req.address}:${req.port}`);
    if (endpoint === undefined) return null;
    const { name, server, path } = endpoint;
    this.requests[name] = (this.requests[name] ?? 0) + 1;
    // The caller's clock is a pure function of virtual time, so this is the T1 the exchange read.
    const t1HostS = req.clock();
    const sentS = this.scheduler.elapsedS;
    const draw = path.draw();
    const leavesS = sentS + draw.forwardS + server.processingS;
    if (draw.lost || path.isOut(sentS) || path.isOut(leavesS)) {
      this.lost[name] = (this.lost[name] ?? 0) + 1;
      return null;
    }
    const { startS } = this.scheduler;
    const reply = server.reply(data, startS + sentS + draw.forwardS, startS + leavesS);
    if (reply === null) return null;
    const suspendsAtSend = this.scheduler.suspends.length;
    const flightS = leavesS + draw.returnS - sentS;
    return timers.setTimeout(() => {
      // A host asleep when the reply came never saw it.
      if (this.scheduler.suspends.length !== suspendsAtSend) return;
      const t4HostS = req.clock();
      this.record({
        server: name,
        t1HostS,
        t4HostS,
        t4TrueS: this.scheduler.nowS,
        // In elapsed terms both sides are exact: θ for the very value the host read.
        trueOffsetAtT4S: this.scheduler.elapsedS - (t4HostS - startS),
        forwardS: draw.forwardS,
        returnS: draw.returnS,
      });
      handlers.message(reply);
    }, flightS * 1000);
  }

  private record(r: SimExchangeRecord): void {
    this.log.push(r);
    if (this.log.length >= 2 * this.logLimit) this.log.splice(0, this.log.length - this.logLimit);
    this.options.onExchange?.(r);
  }
}
