import { BlockList, isIP } from 'node:net';

/**
 * Which reverse proxies in front of the server may say who the client is (`SELFTRACKER_TRUST_PROXY`): none
 * (the socket's address is the client), a number of hops (each adds one `X-Forwarded-For` entry), or a list of
 * proxy addresses and CIDR ranges.
 */
export type TrustProxy =
  | { kind: 'none' }
  | { kind: 'hops'; hops: number }
  | { kind: 'list'; list: BlockList };

const family = (ip: string) => (isIP(ip) === 6 ? 'ipv6' : 'ipv4');

/** `::ffff:10.0.0.1` (an IPv4 client on a dual-stack socket) is `10.0.0.1`. */
function normalize(ip: string): string {
  const s = ip.trim().replace(/^\[(.*)\]$/, '$1');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(s);
  return mapped ? mapped[1]! : s.toLowerCase();
}

/**
 * Parses `SELFTRACKER_TRUST_PROXY`: unset or empty → none; `2` → two hops; `10.0.0.1, 192.168.0.0/16, ::1` → those
 * proxies. Throws with a message naming the bad entry.
 */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  const v = value?.trim() ?? '';
  if (v === '' || v === '0' || v.toLowerCase() === 'false') return { kind: 'none' };
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    if (hops > 10) throw new Error(`SELFTRACKER_TRUST_PROXY: ${v} proxy hops is not plausible (at most 10)`);
    return { kind: 'hops', hops };
  }
  const list = new BlockList();
  for (const raw of v.split(',')) {
    const entry = raw.trim();
    const [addr = '', bits, extra] = entry.split('/');
    const ip = normalize(addr);
    const prefix = bits === undefined ? undefined : Number(bits);
    const max = isIP(ip) === 6 ? 128 : 32;
    if (
      !isIP(ip) ||
      extra !== undefined ||
      (prefix !== undefined && !(/^\d+$/.test(bits!) && prefix <= max))
    ) {
      throw new Error(
        `SELFTRACKER_TRUST_PROXY: "${entry}" is neither a number of hops nor an address or CIDR range like 10.0.0.0/8`,
      );
    }
    if (prefix === undefined) list.addAddress(ip, family(ip));
    else list.addSubnet(ip, prefix, family(ip));
  }
  return { kind: 'list', list };
}

/**
 * The client's address: the socket's, or, behind trusted proxies, the `X-Forwarded-For` entry the nearest
 * untrusted hop was seen as. Entries left of that one are the client's own claims and never count, so no one
 * can choose their rate-limit address by sending the header.
 */
export function clientAddress(
  socket: string | undefined,
  forwardedFor: string | undefined,
  trust: TrustProxy,
): string {
  const peer = normalize(socket ?? 'unknown');
  if (trust.kind === 'none' || !forwardedFor) return peer;
  // Nearest first: the socket, then each X-Forwarded-For entry from the right.
  const chain = [
    peer,
    ...forwardedFor
      .split(',')
      .map(normalize)
      .filter((s) => s !== '')
      .reverse(),
  ];
  if (trust.kind === 'hops') return chain[Math.min(trust.hops, chain.length - 1)]!;
  for (let i = 0; i < chain.length - 1; i++) {
    const hop = chain[i]!;
    if (!isIP(hop) || !trust.list.check(hop, family(hop))) return hop;
  }
  return chain.at(-1)!;
}
