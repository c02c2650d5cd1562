import { isIPv6 } from 'node:net';

/**
 * The host part of a URL that reaches a server listening on `host` (HOST): a wildcard address,
 * or none, on the loopback address of its family; any other address or name at itself, an
 * IPv6 address in brackets (RFC 3986). The launcher's readiness checks, the URLs it gives the
 * services and their own defaults for them (config.ts, loadConfig) use it, so HOST=192.0.2.10 or HOST=::1 is reached where it listens.
 */
export function reachableHost(host: string): string {
  if (isIPv6(host)) {
    // Normalised by URL: 0:0:0:0:0:0:0:0 is [::].
    const bracketed = new URL(`http://[${host}]`).hostname;
    return bracketed === '[::]' ? '[::1]' : bracketed;
  }
  return host === '' || host === '0.0.0.0' ? '127.0.0.1' : host;
}
