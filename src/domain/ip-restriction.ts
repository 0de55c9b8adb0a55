import { BlockList, isIP } from 'node:net';
import { ValidationError } from './errors.js';

/** An IPv4 or IPv6 address, or a CIDR block (`10.0.0.0/8`, `2001:db8::/32`). */
function parseEntry(entry: string): { address: string; prefix: number | null; family: 'ipv4' | 'ipv6' } | null {
  const [address = '', prefix, ...rest] = entry.trim().split('/');
  const version = isIP(address);
  if (version === 0 || rest.length) return null;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (prefix === undefined) return { address, prefix: null, family };
  const bits = Number(prefix);
  if (!/^\d{1,3}$/.test(prefix) || bits > (version === 4 ? 32 : 128)) return null;
  return { address, prefix: bits, family };
}

/** Checks a token's `ip_restrictions`: each an address or CIDR block. Returns them trimmed. */
export function checkIpRestrictions(entries: readonly string[]): string[] {
  const bad = entries.filter((e) => parseEntry(e) === null);
  if (bad.length)
    throw new ValidationError(
      `"ip_restrictions" must list IP addresses or CIDR blocks such as "203.0.113.7" or "10.0.0.0/8" (got ${bad.map((b) => JSON.stringify(b)).join(', ')}).`,
    );
  return entries.map((e) => e.trim());
}

/** An IPv4 client seen through an IPv6 socket (`::ffff:203.0.113.7`) counts as its IPv4 address. */
function plain(address: string): string {
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address;
}

/** Whether a client address may use a token with these restrictions (an empty list: any address). */
export function ipAllowed(restrictions: readonly string[], clientAddress: string): boolean {
  if (restrictions.length === 0) return true;
  const client = plain(clientAddress);
  const family = isIP(client) === 6 ? 'ipv6' : 'ipv4';
  const list = new BlockList();
  for (const entry of restrictions) {
    const e = parseEntry(entry);
    if (!e) continue;
    if (e.prefix === null) list.addAddress(e.address, e.family);
    else list.addSubnet(e.address, e.prefix, e.family);
  }
  return list.check(client, family);
}
