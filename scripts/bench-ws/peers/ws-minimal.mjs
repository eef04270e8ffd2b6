// The minimal `ws` echo server the benchmark compares ws-echo with: what anyone would write
// from ws's README (plus the 'error' listener every WebSocket needs).
import { WebSocketServer } from 'ws'

const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.argv[2]) })
wss.on('connection', (ws) => {
  ws.on('error', () => {})
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }))
})
process.on('SIGTERM', () => process.exit(0)); process.on('SIGINT', () => process.exit(0))
