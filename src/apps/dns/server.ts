/**
 * The protocol front end every DNS server here shares (authoritative and recursive): it checks a
 * query (FORMERR, NOTIMP, BADVERS), hands the question to a responder, then fills in the header,
 * echoes EDNS0 and truncates to what the client can take, setting TC (RFC 1035 §4.2.1, RFC 6891).
 * `handle` knows nothing of sockets, so a TCP listener (RFC 7766) can reuse it unchanged.
 */
import type { Node } from "../../net/node.js";
import { TransportError } from "../../transport/errors.js";
import { type Endpoint, type UdpSocket, udp } from "../../transport/udp.js";
import {
  createDnsMessage,
  type DnsMessage,
  emitDnsMessage,
  parseDnsMessage,
} from "../../wire/dns.js";
import {
  DNS_EDNS_OPTION,
  DNS_HEADER_LENGTH,
  DNS_OPCODE,
  DNS_RCODE,
  DNS_UDP_MAX,
  DnsHeaderView,
} from "../../wire/dns-header.js";
import type { DnsRecord } from "../../wire/dns-rr.js";
import { ParseError } from "../../wire/parse-error.js";
import { type DnsTcpListener, type DnsTcpListenOptions, listenDnsTcp } from "./tcp.js";

/** The well-known DNS port (RFC 1035 §4.2). */
export const DNS_PORT = 53;
/** The EDNS0 payload size we advertise and accept by default (DNS Flag Day 2020). */
export const DNS_EDNS_SIZE = 1232;

/** What a responder decides; the server sets id, flags it owns, the question and the OPT. */
export interface DnsAnswer {
  rcode: number;
  /** Authoritative answer (default false). */
  aa?: boolean;
  /** Recursion available (default false). */
  ra?: boolean;
  answers: DnsRecord[];
  authorities: DnsRecord[];
  additionals: DnsRecord[];
  /** An Extended DNS Error (RFC 8914) to attach when the client speaks EDNS0. */
  extendedError?: { code: number; text: string };
}

/**
 * Answers a checked query (opcode QUERY, exactly one question). It calls `reply` once, now or
 * later (a resolver answers after its walk); never calling it drops the query.
 */
export interface DnsResponder {
  respond(query: DnsMessage, client: Endpoint, reply: (answer: DnsAnswer) => void): void;
}

export interface DnsServerOptions {
  /** UDP port (default 53). */
  port?: number;
  /** Local addresses to listen on (default ["0.0.0.0", "::"]; "::" is skipped if it fails). */
  addresses?: string[];
  /** EDNS0 payload size to advertise and the most we send over UDP (default 1232). */
  ednsSize?: number;
  /**
   * Also listen on TCP (RFC 7766 §5 says servers must): true by default; false for a UDP-only
   * server, or options such as the idle timeout. Port and addresses are the UDP ones.
   */
  tcp?: boolean | Pick<DnsTcpListenOptions, "idleTimeout">;
}

/** Counters for tests and reports. */
export interface DnsServerStats {
  /** Datagrams received. */
  received: number;
  /** Responses sent. */
  answered: number;
  /** Datagrams dropped unanswered: shorter than a header, or responses (QR set). */
  dropped: number;
  /** Responses cut short to fit the client's size, with TC set. */
  truncated: number;
  /** Responses by RCODE. */
  rcodes: Map<number, number>;
}

/** The transport a query came over: UDP responses are cut to size, TCP ones are not. */
export type DnsServerTransport = "udp" | "tcp";

/** A DNS server on a node: a responder behind the protocol checks, listening on UDP. */
export class DnsServer {
  readonly stats: DnsServerStats = {
    received: 0,
    answered: 0,
    dropped: 0,
    truncated: 0,
    rcodes: new Map(),
  };
  private readonly sockets: UdpSocket[] = [];
  /** The TCP side, when `listen` started one. */
  tcp: DnsTcpListener | undefined;
  readonly ednsSize: number;

  constructor(
    readonly responder: DnsResponder,
    options: Pick<DnsServerOptions, "ednsSize"> = {},
  ) {
    this.ednsSize = Math.max(DNS_UDP_MAX, options.ednsSize ?? DNS_EDNS_SIZE);
  }

  /**
   * Starts a server on `node`: binds the UDP port on each address (an IPv6 wildcard the node
   * cannot use is skipped), and listens on TCP too unless `tcp` is false. Returns the first
   * bind error otherwise.
   */
  static listen(
    node: Node,
    responder: DnsResponder,
    options: DnsServerOptions = {},
  ): DnsServer | TransportError {
    const server = new DnsServer(responder, options);
    const port = options.port ?? DNS_PORT;
    const explicit = options.addresses !== undefined;
    for (const address of options.addresses ?? ["0.0.0.0", "::"]) {
      const socket = udp(node).bind(port, address);
      if (socket instanceof TransportError) {
        if (!explicit && address === "::") continue;
        server.close();
        return socket;
      }
      server.sockets.push(socket);
      socket.onMessage((m) =>
        server.handle(m.data, m.from, "udp", (bytes) => {
          socket.send(bytes, m.from.port, m.from.address);
        }),
      );
    }
    if (options.tcp !== false) {
      const tcp = listenDnsTcp(node, server, {
        port,
        ...(explicit ? { addresses: options.addresses } : {}),
        ...(typeof options.tcp === "object" ? options.tcp : {}),
      });
      if (tcp instanceof TransportError) {
        server.close();
        return tcp;
      }
      server.tcp = tcp;
    }
    return server;
  }

  /** The local endpoints listened on. */
  get endpoints(): Endpoint[] {
    return this.sockets.map((s) => s.local);
  }

  /** Stops listening (UDP and TCP) and closes open TCP connections. */
  close(): void {
    for (const s of this.sockets) s.close();
    this.sockets.length = 0;
    this.tcp?.close();
    this.tcp = undefined;
  }

  /**
   * Handles one query message from `client` and sends the response through `send` (now, or
   * later if the responder takes its time). Never throws on bad input: a message too short to
   * answer, or a response, is dropped; anything else gets an answer.
   */
  handle(
    bytes: Uint8Array,
    client: Endpoint,
    transport: DnsServerTransport,
    send: (bytes: Uint8Array) => void,
  ): void {
    this.stats.received++;
    // Without a whole header there is no id to answer to; with QR set it is a response, and
    // answering responses invites loops between servers (RFC 1035 §7.3 spirit).
    if (bytes.length < DNS_HEADER_LENGTH || new DnsHeaderView(bytes).qr) {
      this.stats.dropped++;
      return;
    }
    const header = new DnsHeaderView(bytes);
    const query = parseDnsMessage(bytes);
    if (query instanceof ParseError) {
      // RFC 1035 §4.1.1 FORMERR: echo the id and opcode; the question could not be read.
      return this.send(
        createDnsMessage({
          id: header.id,
          opcode: header.opcode,
          rd: (header.flags & 0x100) !== 0,
        }),
        { rcode: DNS_RCODE.FORMERR, answers: [], authorities: [], additionals: [] },
        null,
        transport,
        send,
      );
    }
    const fail = (rcode: number) =>
      this.send(
        query,
        { rcode, answers: [], authorities: [], additionals: [] },
        query,
        transport,
        send,
      );
    if (query.opcode !== DNS_OPCODE.QUERY) return fail(DNS_RCODE.NOTIMP);
    // RFC 1035 §4.1.2 allows several questions, but no server answers more than one.
    if (query.questions.length !== 1) return fail(DNS_RCODE.FORMERR);
    // RFC 6891 §6.1.3: a version we do not implement gets BADVERS (and our version, 0).
    if (query.edns !== null && query.edns.version > 0) return fail(DNS_RCODE.BADVERS);
    let replied = false;
    this.responder.respond(query, client, (answer) => {
      if (replied) return;
      replied = true;
      this.send(query, answer, query, transport, send);
    });
  }

  /** Builds, sizes and sends the response to `query` (the header-only one when `echo` is null). */
  private send(
    query: DnsMessage,
    answer: DnsAnswer,
    echo: DnsMessage | null,
    transport: DnsServerTransport,
    send: (bytes: Uint8Array) => void,
  ): void {
    const edns = echo?.edns ?? null;
    const response = createDnsMessage({
      id: query.id,
      qr: true,
      opcode: query.opcode,
      aa: answer.aa ?? false,
      rd: query.rd,
      ra: answer.ra ?? false,
      cd: query.cd,
      rcode: answer.rcode,
      questions: echo?.questions ?? [],
      answers: answer.answers,
      authorities: answer.authorities,
      additionals: answer.additionals,
      // RFC 6891 §7: answer an OPT with an OPT, stating our own payload size.
      edns:
        edns === null
          ? null
          : {
              udpPayloadSize: this.ednsSize,
              version: 0,
              dnssecOk: false,
              z: 0,
              options: answer.extendedError ? [edeOption(answer.extendedError)] : [],
            },
    });
    // RFC 6891 §6.2.5: sizes below 512 are read as 512; RFC 1035 §4.2.1: 512 without EDNS.
    const maxSize =
      transport === "tcp"
        ? 0xffff
        : edns === null
          ? DNS_UDP_MAX
          : Math.max(DNS_UDP_MAX, Math.min(edns.udpPayloadSize, this.ednsSize));
    const bytes = emitDnsMessage(response, { maxSize });
    if (new DnsHeaderView(bytes).tc) this.stats.truncated++;
    this.stats.answered++;
    this.stats.rcodes.set(answer.rcode, (this.stats.rcodes.get(answer.rcode) ?? 0) + 1);
    send(bytes);
  }
}

/** RFC 8914 §2: INFO-CODE (16 bits), then EXTRA-TEXT in UTF-8. */
function edeOption(e: { code: number; text: string }): { code: number; data: Uint8Array } {
  const text = new TextEncoder().encode(e.text);
  const data = new Uint8Array(2 + text.length);
  data[0] = e.code >>> 8;
  data[1] = e.code & 0xff;
  data.set(text, 2);
  return { code: DNS_EDNS_OPTION.EDE, data };
}
