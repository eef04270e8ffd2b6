/**
 * Well-known service names, as /etc/services spells them, for the ports people scan most.
 * OpenBSD nc prints `[tcp/http]` for a known port and `[tcp/*]` otherwise; we ship our own
 * table so the output does not depend on the machine's /etc/services.
 */
const TCP_SERVICES: Record<number, string> = {
  7: 'echo', 9: 'discard', 13: 'daytime', 19: 'chargen', 20: 'ftp-data', 21: 'ftp', 22: 'ssh', 23: 'telnet',
  25: 'smtp', 37: 'time', 43: 'whois', 53: 'domain', 70: 'gopher', 79: 'finger', 80: 'http', 88: 'kerberos',
  110: 'pop3', 111: 'sunrpc', 113: 'auth', 119: 'nntp', 123: 'ntp', 135: 'epmap', 139: 'netbios-ssn',
  143: 'imap2', 179: 'bgp', 194: 'irc', 389: 'ldap', 443: 'https', 445: 'microsoft-ds', 465: 'submissions',
  514: 'shell', 515: 'printer', 543: 'klogin', 544: 'kshell', 548: 'afpovertcp', 554: 'rtsp', 587: 'submission',
  631: 'ipp', 636: 'ldaps', 873: 'rsync', 993: 'imaps', 995: 'pop3s', 1080: 'socks', 1194: 'openvpn',
  1433: 'ms-sql-s', 1521: 'ncube-lm', 1883: 'mqtt', 2049: 'nfs', 2181: 'zookeeper', 3128: 'squid',
  3306: 'mysql', 3389: 'ms-wbt-server', 4369: 'epmd', 5060: 'sip', 5222: 'xmpp-client', 5353: 'mdns',
  5432: 'postgresql', 5672: 'amqp', 5900: 'rfb', 6379: 'redis', 6443: 'sun-sr-https', 6667: 'ircd', 8080: 'http-alt',
  8443: 'https-alt', 9092: 'XmlIpcRegSvc', 9418: 'git', 11211: 'memcache', 27017: 'mongodb',
}
const UDP_SERVICES: Record<number, string> = {
  7: 'echo', 9: 'discard', 13: 'daytime', 53: 'domain', 67: 'bootps', 68: 'bootpc', 69: 'tftp', 123: 'ntp',
  137: 'netbios-ns', 138: 'netbios-dgm', 161: 'snmp', 162: 'snmp-trap', 500: 'isakmp', 514: 'syslog',
  1194: 'openvpn', 1812: 'radius', 1813: 'radius-acct', 4500: 'ipsec-nat-t', 5060: 'sip', 5353: 'mdns',
}
const BY_NAME = new Map<string, number>()
for (const table of [UDP_SERVICES, TCP_SERVICES]) {
  for (const [port, name] of Object.entries(table)) BY_NAME.set(name, Number(port))
}
BY_NAME.set('www', 80)
BY_NAME.set('pop-3', 110)
BY_NAME.set('imap', 143)
BY_NAME.set('postgres', 5432)

export type Protocol = 'tcp' | 'udp'

/** The service name for a port (`http` for 80/tcp), or undefined when we know none. */
export function serviceName(port: number, protocol: Protocol = 'tcp'): string | undefined {
  return (protocol === 'udp' ? UDP_SERVICES : TCP_SERVICES)[port]
}

/** The port of a service name (`https` -> 443), or undefined. */
export function servicePort(name: string): number | undefined {
  return BY_NAME.get(name.toLowerCase())
}
