/**
 * @netkit/nc: netcat as a library. The CLI (src/cli.ts) only parses arguments and calls runNc.
 *
 * Seams for the layers built on the core (TLS, exec, proxies, brokers, ACLs); keep
 * them stable:
 * (a) Opening a connection yields a Duplex: `openStream(options): Promise<net.Socket>` (TCP or
 *     Unix), `openDatagram` for UDP. A proxy replaces it (`NcExtensions.openStream`), TLS wraps
 *     the result (`NcExtensions.wrapStream`, called in both roles).
 * (b) Sessions: one half-close state machine (`step`, session/machine.ts) and one driver
 *     (`driveSession`) that performs its actions; transports move the bytes and report events:
 *     `relay()` (streams, with -C/-i/--frame/taps), `fastRelay()` (reusable buffers; stdin a
 *     regular file, pipe or socket), `execSession()` (a child's stdio). A new transport
 *     (WebSocket, a proxy tunnel) implements `Transport` and gets the rules for free.
 * (c) Listen mode calls a per-connection handler: `listen(options, handler)` with
 *     `keepListening`/`maxConcurrent` (1 = OpenBSD's sequential -k) and an `onConnection`
 *     filter; `NcExtensions.handleConnection`, `.maxConcurrent` and `.acceptConnection` plug a
 *     broker, concurrent keep-open and allow/deny into runNc.
 */
export { version } from './version.js'
export { validateOptions, DEFAULT_SCAN_CONCURRENCY, MAX_SCAN_CONCURRENCY } from './options.js'
export type { NcOptions, RelayBehaviour, NcFrameFormat } from './options.js'
export { openStream, successMessage, connectError, connectTimeout, describeHost, type OpenStreamOptions } from './net/connect.js'
export { listen, bindServer, peerInfo, type ListenOptions, type ConnectionHandler, type PeerInfo } from './net/listen.js'
export { relay, createStreamTransport, type RelayIO, type RelayOptions } from './session/stream-transport.js'
export { fastRelay, createBufferTransport, canReadFast, fastInputKind, socketReader, type FastRelayOptions, type BufferTransportOptions, type SocketReader } from './session/buffer-transport.js'
export { driveSession, closeSocket, type Transport, type SessionMeter, type RelayResult } from './session/driver.js'
export { step, initialState, type SessionEnd, type SessionEnd as RelayEnd, type SessionEvent, type SessionAction, type SessionPolicy, type SessionState } from './session/machine.js'
export type { RelaySinks } from './session/taps.js'
export { DatagramStream, openDatagram, listenDatagram, MAX_DATAGRAM, MAX_DATAGRAM_BACKLOG, type Peer, type DatagramConnectOptions, type DatagramListenOptions } from './net/udp.js'
export { scan, type ScanOptions, type ScanResult, type PortState } from './net/scan.js'
export { createHexDumper, formatHexLine, type HexDumper } from './session/hexdump.js'
export { formatStats, addStats, type SessionStats } from './session/stats.js'
export { runNc, type NcEnvironment, type NcExtensions, type StreamContext } from './run.js'
// The extras: TLS, exec, concurrent listen, access control, proxies.
export { createTlsClient, createTlsServer, parseAlpn, describeTlsSession, type TlsOptions, type TlsClient, type TlsServer } from './features/tls.js'
export { execSession, parseExecCommand, splitCommand, findProgram, execEnvironment, terminate, type ExecCommand, type ExecEndpoints, type ExecSessionOptions, type ExecSessionResult } from './features/exec.js'
export { Hub, escapeControl, MAX_CHAT_LINE, type HubMode, type HubOptions } from './features/broker.js'
export { createAccessControl, MAX_ACCESS_ENTRIES, type AccessControl, type AccessControlOptions } from './features/acl.js'
export {
  socks5Handshake,
  socks4Handshake,
  httpConnectHandshake,
  createProxyHandshake,
  negotiateProxy,
  parseProxyAddress,
  parseProxyProtocol,
  DEFAULT_PROXY_PORT,
  type ProxyProtocol,
  type ProxyOptions,
  type ProxyHandshake,
  type ProxyTarget,
  type ProxyCredentials,
} from './features/proxy.js'
// WebSocket mode: the handshakes over a stream nc opened, and the message transport.
export { openWebSocket, acceptWebSocket, parseHeaderLines, parseProtocols, type WebSocketClientOptions, type WebSocketServerOptions, type OpenWebSocket } from './features/websocket.js'
export { createWsTransport, recordEarly, describeClose, DEFAULT_MAX_MESSAGE, type WsTransportOptions, type EarlyEvents } from './session/ws-transport.js'
export { isCleanClose } from './session/machine.js'
// nc's positional rules (`host port`, `-l [host] port`, `-z host ports...`, `-U path`, `ws://…`).
export { endpointsFromArguments, DEFAULT_LISTEN_PORT, type EndpointArguments, type Endpoints } from './endpoints.js'
