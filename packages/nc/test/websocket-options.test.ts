/**
 * WebSocket options in-process: the URL's host and port, the header and subprotocol checks
 * (where the handshake bytes are written), and the combination rules (usage errors, exit 2).
 */
import { describe, expect, it } from 'vitest'
import { parseHeaderLines, parseProtocols } from '../src/features/websocket.js'
import { quickParse, toOptions, type Args } from '../src/cli/parse.js'

const urlOptions = (url: string) => toOptions({ _: [url] } as Args)

describe('nc ws:// URL', () => {
  it('takes host and port from the URL, with 80/443 by default, IPv6 unbracketed', async () => {
    expect(await urlOptions('ws://127.0.0.1:8765/chat?x=1')).toMatchObject({ mode: 'connect', host: '127.0.0.1', port: 8765, webSocketUrl: 'ws://127.0.0.1:8765/chat?x=1' })
    expect(await urlOptions('ws://localhost/')).toMatchObject({ host: 'localhost', port: 80 })
    expect(await urlOptions('wss://localhost/')).toMatchObject({ host: 'localhost', port: 443 })
    expect(await urlOptions('WSS://[::1]:9443/')).toMatchObject({ host: '::1', port: 9443, webSocketUrl: 'wss://[::1]:9443/' })
  })

  it('refuses a bad URL, credentials, a fragment, an extra port argument (usage errors)', async () => {
    for (const args of [['ws://'], ['ws://u:p@h/'], ['ws://h/#frag'], ['ws://h:1/', '80'], ['ws://h:99999/']]) {
      await expect(toOptions({ _: args } as Args), args.join(' ')).rejects.toMatchObject({ exitCode: 2 })
    }
  })

  it('a ws:// URL leaves the quick path (the extras build the WebSocket session)', () => {
    expect(quickParse(['ws://127.0.0.1:1/'])).toBeUndefined()
    expect(quickParse(['-v', 'wss://127.0.0.1:1/'])).toBeUndefined()
    expect(quickParse(['127.0.0.1', '80'])).toBeDefined()
  })
})

describe('--header and --ws-protocol checks', () => {
  it('splits Name: value and trims', () => {
    expect(parseHeaderLines(['X-A: 1', 'Authorization:Bearer  t ', 'Empty:'])).toEqual({ 'X-A': '1', Authorization: 'Bearer  t', Empty: '' })
  })

  it('refuses CR/LF/NUL and controls in values, non-token names, handshake headers', () => {
    for (const bad of ['X: a\r\nB: c', 'X: a\nb', 'X: a\0', 'X: a\x01', 'Bad Name: v', ': v', 'novalue', 'Sec-WebSocket-Key: x', 'connection: close']) {
      expect(() => parseHeaderLines([bad]), JSON.stringify(bad)).toThrow(expect.objectContaining({ exitCode: 2 }))
    }
  })

  it('subprotocols are tokens, comma-separated, no duplicates', () => {
    expect(parseProtocols('chat.v2, chat.v1')).toEqual(['chat.v2', 'chat.v1'])
    expect(parseProtocols(undefined)).toBeUndefined()
    for (const bad of ['a b', 'a,,b', 'a\r\nb', 'a,a', '']) {
      expect(() => parseProtocols(bad), JSON.stringify(bad)).toThrow(expect.objectContaining({ exitCode: 2 }))
    }
  })
})
