// The minimal Node TCP echo server, the ceiling for a Node implementation: `socket.pipe(socket)`.
// Usage: node node-tcp-echo.mjs PORT
import net from 'node:net'

const port = Number(process.argv[2])
net
  .createServer((socket) => {
    socket.on('error', () => socket.destroy())
    socket.pipe(socket)
  })
  .listen(port, '127.0.0.1')
process.on('SIGTERM', () => process.exit(0))
