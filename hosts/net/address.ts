// UDP addresses of host agents and switch roles: "ip:port" strings in files and flags, and the
// `node` names that roles use for reply targets (a reply goes back to the sender's "ip:port").

export interface Address {
  host: string;
  port: number;
}

export class AddressError extends Error {
  override readonly name = "AddressError";
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function validIpv4(host: string): boolean {
  const m = IPV4.exec(host);
  return m?.slice(1).every((octet) => Number(octet) <= 255) ?? false;
}

/** Parses "a.b.c.d:port" (IPv4 only, like the rest of the deployment). Throws AddressError. */
export function parseAddress(text: string, defaultPort?: number): Address {
  return parse(text, defaultPort, 1);
}

/** A local address to listen on: as parseAddress, but port 0 (any free port) is allowed. */
export function parseBindAddress(text: string): Address {
  return parse(text, undefined, 0);
}

function parse(text: string, defaultPort: number | undefined, minPort: number): Address {
  const colon = text.lastIndexOf(":");
  const host = colon < 0 ? text : text.slice(0, colon);
  const portText = colon < 0 ? undefined : text.slice(colon + 1);
  if (!validIpv4(host)) throw new AddressError(`'${text}' is not an IPv4 address`);
  if (portText === undefined) {
    if (defaultPort === undefined) throw new AddressError(`'${text}' has no port`);
    return { host, port: defaultPort };
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < minPort || Number(portText) > 65535) {
    throw new AddressError(`'${text}' has no valid port (${minPort}-65535)`);
  }
  return { host, port: Number(portText) };
}

/** The node name of an address, as used in `{ kind: "node" }` targets. */
export function formatAddress(a: Address): string {
  return `${a.host}:${a.port}`;
}

/** parseAddress that returns null instead of throwing (for node names from received messages). */
export function tryParseAddress(text: string): Address | null {
  try {
    return parseAddress(text);
  } catch {
    return null;
  }
}
