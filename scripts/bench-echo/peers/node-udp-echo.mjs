// The minimal Node UDP echo server, the ceiling for a Node implementation.
// Usage: node node-udp-echo.mjs PORT
import dgram from 'node:dgram'

const port = Number(process.argv[2])
const socket = dgram.createSocket('udp4')
socket.on('message', (msg, rinfo) => socket.send(msg, rinfo.port, rinfo.address))
socket.on('error', () => {})
socket.bind(port, '127.0.0.1')
process.on('SIGTERM', () => process.exit(0))
