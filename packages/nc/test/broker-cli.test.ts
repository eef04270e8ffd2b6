/** --broker, --chat and --keep-open from the built CLI, with --max-conns and --idle-timeout. */
import { once } from 'node:events'
import type net from 'node:net'
import { describe, expect, it } from 'vitest'
import { connectTo, spawnListener, spawnNc, waitFor } from './support/nc.js'

function collect(socket: net.Socket): () => string {
  let text = ''
  socket.on('data', (c: Buffer) => (text += c.toString('latin1')))
  return () => text
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('nc --broker', () => {
  it('relays each of three clients to the other two', async () => {
    const nc = await spawnListener(['-lv', '--broker', '127.0.0.1', '0'], { stdin: 'ignore' })
    const sockets = [await connectTo(nc.port), await connectTo(nc.port), await connectTo(nc.port)]
    const texts = sockets.map(collect)
    await nc.waitStderr(/joined as <user3>/)
    sockets[0]!.write('from one\n')
    await until(() => texts[1]!() === 'from one\n' && texts[2]!() === 'from one\n')
    sockets[2]!.write('from three\n')
    await until(() => texts[0]!() === 'from three\n' && texts[1]!() === 'from one\nfrom three\n')
    expect(texts[2]!()).toBe('from one\n')
    nc.child.kill('SIGTERM')
    expect(await nc.exit).toBe(0)
    expect(await nc.stdout).toEqual(Buffer.alloc(0))
  })

  it('--max-conns bounds the clients served at once', async () => {
    const nc = await spawnListener(['-lv', '--broker', '--max-conns', '2', '127.0.0.1', '0'], { stdin: 'ignore' })
    const a = await connectTo(nc.port)
    const b = await connectTo(nc.port)
    await nc.waitStderr(/joined as <user2>/)
    const c = await connectTo(nc.port)
    const textC = collect(c)
    const textB = collect(b)
    // The third waits for a slot: nothing reaches it until someone leaves.
    a.write('early\n')
    await until(() => textB() === 'early\n')
    await new Promise((r) => setTimeout(r, 300))
    expect(nc.stderrSoFar()).not.toMatch(/<user3>/)
    expect(textC()).toBe('')
    a.end()
    await nc.waitStderr(/joined as <user3>/)
    b.write('late\n')
    await until(() => textC() === 'late\n')
    nc.child.kill('SIGTERM')
    await nc.exit
  })

  it('--idle-timeout disconnects a silent client', async () => {
    const nc = await spawnListener(['-lv', '--broker', '--idle-timeout', '300ms', '127.0.0.1', '0'], { stdin: 'ignore' })
    const a = await connectTo(nc.port)
    a.resume()
    await Promise.race([once(a, 'end'), once(a, 'close')])
    await nc.waitStderr(/<user1> \(127\.0\.0\.1\) idle for 300 ms: disconnected/)
    nc.child.kill('SIGTERM')
    await nc.exit
  })
})

describe('nc --chat', () => {
  it('prefixes lines with the sender and escapes control characters', async () => {
    const nc = await spawnListener(['-lv', '--chat', '127.0.0.1', '0'], { stdin: 'ignore' })
    const a = await connectTo(nc.port)
    const textA = collect(a)
    await until(() => textA().includes('<user1>.'))
    const b = await connectTo(nc.port)
    const textB = collect(b)
    await until(() => textA().includes('<user2>.') && textB().includes('already connected'))
    b.write('hi \x1b[2J\x07there\r\n')
    await until(() => textA().includes('there'))
    a.write('tab\tand ünïcödé\n')
    await until(() => textB().endsWith('\n') && textB().includes('<user1> tab'))
    expect(textA()).toBe(
      '<announce> 127.0.0.1 is connected as <user1>.\n<announce> already connected: nobody.\n' +
        '<announce> 127.0.0.1 is connected as <user2>.\n<announce> already connected: 127.0.0.1 as <user1>.\n' +
        '<user2> hi \\033[2J\\007there\n',
    )
    expect(Buffer.from(textB(), 'latin1').toString('utf8')).toBe(
      '<announce> 127.0.0.1 is connected as <user2>.\n<announce> already connected: 127.0.0.1 as <user1>.\n<user1> tab\tand ünïcödé\n',
    )
    b.end()
    await until(() => textA().endsWith('<announce> <user2> is disconnected.\n'))
    nc.child.kill('SIGTERM')
    await nc.exit
  })
})

describe('nc --keep-open', () => {
  it('serves clients concurrently: stdin goes to all, every client to stdout', async () => {
    const nc = await spawnListener(['-lv', '--keep-open', '127.0.0.1', '0'])
    const a = await connectTo(nc.port)
    const b = await connectTo(nc.port)
    const textA = collect(a)
    const textB = collect(b)
    await nc.waitStderr(/joined as <user2>/)
    nc.child.stdin!.write('to everyone\n')
    await until(() => textA() === 'to everyone\n' && textB() === 'to everyone\n')
    a.write('one\n')
    b.end('two\n')
    a.end()
    await Promise.all([once(a, 'close'), once(b, 'close')])
    nc.child.kill('SIGTERM')
    await nc.exit
    const out = (await nc.stdout).toString()
    expect(out.split('\n').sort()).toEqual(['', 'one', 'two'])
  })

  it.each([
    [['--broker', '127.0.0.1', '1'], '--broker needs -l'],
    [['-l', '--broker', '--chat', '0'], 'use --broker or --chat, not both'],
    [['-l', '--max-conns', '5', '0'], '--max-conns needs --keep-open, --broker, --chat, or -k with -e/-c'],
    [['-lk', '--max-conns', '5', '0'], '--max-conns needs --keep-open, --broker, --chat, or -k with -e/-c'],
    [['-l', '--broker', '--max-conns', '0', '0'], expect.stringMatching(/^--max-conns/)],
    [['-lu', '--chat', '0'], '--chat works over TCP and Unix stream sockets, not -u'],
  ])('usage error: nc %j', async (args, message) => {
    const nc = spawnNc(args, { stdin: 'ignore' })
    expect(await nc.exit).toBe(2)
    const stderr = await nc.stderr
    expect(stderr.startsWith('nc: ')).toBe(true)
    expect(stderr.endsWith(" (see 'nc --help')\n")).toBe(true)
    expect(stderr.slice(4, -" (see 'nc --help')\n".length)).toEqual(message)
  })
})
