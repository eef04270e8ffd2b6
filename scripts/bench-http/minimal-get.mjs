// The floor for a Node HTTP client's cold start: one GET over node:net, the body discarded, no
// parsing, no options. Usage: node minimal-get.mjs http://127.0.0.1:PORT/path
import net from 'node:net'

const url = new URL(process.argv[2])
const socket = net.connect(Number(url.port), url.hostname, () => {
  socket.write(`GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`)
})
socket.resume()
socket.on('end', () => socket.end())
