import { describe, expect, it } from 'vitest'
import { spawnCli } from '@netkit/test-kit'
import { PYTHON, pythonWebsockets, runPython, startCli } from './helpers.js'

/** The `websockets` library (Python) as an independent client: its framing, its masking, its close handshake. */
describe.skipIf(!pythonWebsockets)(`interop with Python websockets ${pythonWebsockets ?? '(not installed)'}`, () => {
  it("the seed's example: ws-echo --prefix '收到: ' answers hello with 收到: hello", async () => {
    const { port } = await startCli(['--prefix', '收到: '])
    const out = await runPython(
      `
import asyncio, sys, websockets
async def main():
    async with websockets.connect(sys.argv[1]) as ws:
        await ws.send("hello")
        print(await ws.recv())
        await ws.send(b"\\x00\\xff binary")
        print(repr(await ws.recv()))
        await ws.send(["frag", "mented"])
        print(await ws.recv())
asyncio.run(main())
`,
      [`ws://127.0.0.1:${port}/`],
    )
    expect(out.split('\n')).toEqual(['收到: hello', "b'\\x00\\xff binary'", '收到: fragmented', ''])
  })

  it('negotiates permessage-deflate with --compress, and closes an oversized message with 1009', async () => {
    const { port } = await startCli(['--compress', '--max-message', '64k'])
    const out = await runPython(
      `
import asyncio, sys, websockets
async def main():
    async with websockets.connect(sys.argv[1]) as ws:
        print([type(e).__name__ for e in ws.extensions])
        big = "x" * 50000
        await ws.send(big)
        print(await ws.recv() == big)
        await ws.send("y" * 70000)
        try:
            await ws.recv()
        except websockets.ConnectionClosed as e:
            print(e.rcvd.code if e.rcvd else None)
asyncio.run(main())
`,
      [`ws://127.0.0.1:${port}/`],
    )
    expect(out.split('\n')).toEqual(["['PerMessageDeflate']", 'True', '1009', ''])
  })

  it('on SIGTERM a connected client sees close code 1001, and ws-echo exits 0', async () => {
    const { cli, port } = await startCli([])
    const script = `
import asyncio, sys, websockets
async def main():
    async with websockets.connect(sys.argv[1]) as ws:
        await ws.send("ready")
        await ws.recv()
        print("open", flush=True)
        await ws.wait_closed()
        print(ws.close_code)
asyncio.run(main())
`
    const client = spawnCli('', ['-c', script, `ws://127.0.0.1:${port}/`], { program: PYTHON })
    await client.waitStdout(/open/)
    cli.child.kill('SIGTERM')
    expect(await client.exit).toBe(0)
    expect((await client.stdout).toString()).toBe('open\n1001\n')
    expect(await cli.exit).toBe(0)
    expect(await cli.stderr).toMatch(/served 1 connection, 1 message/)
  })
})
