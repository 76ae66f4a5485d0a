// Which IP addresses a client-supplied URL may reach: public unicast only. Everything else — loopback,
// private, link-local, CGNAT, multicast, documentation, benchmark, reserved, unspecified — is named
// here so a refusal can say why. IPv6 forms that carry an IPv4 address (IPv4-mapped ::ffff:a.b.c.d,
// NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by the IPv4 address inside them.

import { isIPv4, isIPv6 } from 'node:net';

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'shared (CGNAT)'
  | 'multicast'
  | 'documentation'
  | 'benchmark'
  | 'reserved'
  | 'unspecified'
  | 'unique-local'
  | 'not an IP address';

type V4Range = [base: string, prefix: number, kind: AddressClass];

// IANA IPv4 Special-Purpose Address Registry, plus multicast and the reserved class E.
const V4_RANGES: V4Range[] = [
  ['0.0.0.0', 32, 'unspecified'],
  ['0.0.0.0', 8, 'reserved'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared (CGNAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmark'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

type V6Range = [base: string, prefix: number, kind: AddressClass];

// Checked after the IPv4-carrying forms are decoded. Anything outside 2000::/3 (global unicast) is
// refused as well, so only the special ranges inside it need listing.
const V6_RANGES: V6Range[] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['64:ff9b:1::', 48, 'private'], // local-use NAT64 (RFC 8215)
  ['100::', 64, 'reserved'], // discard-only
  ['2001::', 23, 'reserved'], // IETF protocol assignments: Teredo, ORCHID, ...
  ['2001:2::', 48, 'benchmark'],
  ['2001:db8::', 32, 'documentation'],
  ['3fff::', 20, 'documentation'],
  ['5f00::', 16, 'reserved'], // SRv6 SIDs
  ['fc00::', 7, 'unique-local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'reserved'], // deprecated site-local
  ['ff00::', 8, 'multicast'],
];

const v4Table = V4_RANGES.map(([base, prefix, kind]) => ({ base: parseV4(base)!, prefix, kind }));
const v6Table = V6_RANGES.map(([base, prefix, kind]) => ({ base: parseV6(base)!, prefix, kind }));

/** 'public' when a client URL may connect to the address; otherwise the kind of address it is. */
export function classifyAddress(address: string): AddressClass {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (isIPv4(bare)) return classifyV4(parseV4(bare)!);
  if (isIPv6(bare)) {
    const bytes = parseV6(bare);
    return bytes ? classifyV6(bytes) : 'not an IP address';
  }
  return 'not an IP address';
}

function classifyV4(value: number): AddressClass {
  // The longest matching prefix wins (0.0.0.0/32 is unspecified, the rest of 0.0.0.0/8 reserved).
  let best: { prefix: number; kind: AddressClass } | undefined;
  for (const range of v4Table) {
    const inside = value >>> (32 - range.prefix) === range.base >>> (32 - range.prefix);
    if (inside && (!best || range.prefix > best.prefix)) best = range;
  }
  return best?.kind ?? 'public';
}

function classifyV6(bytes: Uint8Array): AddressClass {
  const embedded = embeddedV4(bytes);
  if (embedded !== undefined) return classifyV4(embedded);
  // 6to4: the IPv4 address of the relay endpoint sits in bytes 2–5.
  if (bytes[0] === 0x20 && bytes[1] === 0x02) {
    const v4 = classifyV4(readV4(bytes, 2));
    if (v4 !== 'public') return v4;
  }
  let best: { prefix: number; kind: AddressClass } | undefined;
  for (const range of v6Table) {
    if (matchesPrefix(bytes, range.base, range.prefix) && (!best || range.prefix > best.prefix)) best = range;
  }
  if (best) return best.kind;
  if ((bytes[0] & 0xe0) !== 0x20) return 'reserved'; // outside 2000::/3
  return 'public';
}

/** The IPv4 address inside ::ffff:a.b.c.d (mapped) or 64:ff9b::a.b.c.d (NAT64), if it is one. */
function embeddedV4(bytes: Uint8Array): number | undefined {
  const zeros = (from: number, to: number) => bytes.subarray(from, to).every((b) => b === 0);
  if (zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return readV4(bytes, 12);
  if (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zeros(4, 12)) return readV4(bytes, 12);
  return undefined;
}

function readV4(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

function matchesPrefix(bytes: Uint8Array, base: Uint8Array, prefix: number): boolean {
  const whole = prefix >> 3;
  for (let i = 0; i < whole; i++) if (bytes[i] !== base[i]) return false;
  const rest = prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (bytes[whole] & mask) === (base[whole] & mask);
}

/** Dotted quad (as normalised by the URL parser or returned by DNS) → unsigned 32-bit value. */
function parseV4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

/** IPv6 text (with ::, an optional dotted-quad tail and an optional %zone) → 16 bytes. */
function parseV6(text: string): Uint8Array | undefined {
  let s = text.split('%')[0];
  const hextets: number[] = [];
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (tail) {
    const v4 = parseV4(tail[1]);
    if (v4 === undefined) return undefined;
    s = s.slice(0, -tail[1].length) + `${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const read = (part: string) => (part === '' ? [] : part.split(':').map((h) => parseInt(h, 16)));
  const head = read(halves[0]);
  const back = halves.length === 2 ? read(halves[1]) : [];
  const missing = 8 - head.length - back.length;
  if (halves.length === 1 ? missing !== 0 : missing < 0) return undefined;
  hextets.push(...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...back);
  const bytes = new Uint8Array(16);
  hextets.forEach((h, i) => {
    bytes[i * 2] = h >> 8;
    bytes[i * 2 + 1] = h & 0xff;
  });
  return hextets.some((h) => !Number.isInteger(h) || h < 0 || h > 0xffff) ? undefined : bytes;
}
