// The Internet checksum (RFC 1071) for the IPv4 header and UDP over IPv4 (RFC 768).
// Sums work directly on byte ranges so callers never copy a packet to checksum it.

/**
 * One's-complement sum of the 16-bit big-endian words in bytes[start, end), added to
 * `initial`, folded to 16 bits. An odd trailing byte is padded with a zero byte.
 */
export function onesComplementSum(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  let i = start;
  // Accumulate without folding: 2^53 / 0xffff words is far beyond any packet length.
  for (; i + 1 < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  return fold(sum);
}

/** Folds carries until the sum fits in 16 bits. */
export function fold(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** The checksum field value for bytes[start, end) (the field itself must read as zero). */
export function internetChecksum(bytes: Uint8Array, start: number, end: number): number {
  return ~onesComplementSum(bytes, start, end) & 0xffff;
}

/** Sum of the IPv4 pseudo-header used by UDP: source, destination, zero, protocol 17, UDP length. */
export function udpPseudoHeaderSum(srcIp: number, dstIp: number, udpLength: number): number {
  return fold(
    (srcIp >>> 16) + (srcIp & 0xffff) + (dstIp >>> 16) + (dstIp & 0xffff) + 17 + (udpLength & 0xffff),
  );
}

/**
 * The UDP checksum for the datagram at bytes[udpStart, udpStart + udpLength) whose checksum
 * field reads as zero. A computed zero is sent as 0xffff, since zero on the wire means "none".
 */
export function udpChecksum(
  bytes: Uint8Array,
  udpStart: number,
  udpLength: number,
  srcIp: number,
  dstIp: number,
): number {
  const sum = onesComplementSum(
    bytes,
    udpStart,
    udpStart + udpLength,
    udpPseudoHeaderSum(srcIp, dstIp, udpLength),
  );
  const checksum = ~sum & 0xffff;
  return checksum === 0 ? 0xffff : checksum;
}

/**
 * Whether a received UDP datagram (checksum field included) has a valid checksum. Zero means
 * the sender did not compute one, which is allowed over IPv4.
 */
export function udpChecksumValid(
  bytes: Uint8Array,
  udpStart: number,
  udpLength: number,
  srcIp: number,
  dstIp: number,
): boolean {
  if (bytes[udpStart + 6] === 0 && bytes[udpStart + 7] === 0) return true;
  const sum = onesComplementSum(
    bytes,
    udpStart,
    udpStart + udpLength,
    udpPseudoHeaderSum(srcIp, dstIp, udpLength),
  );
  return sum === 0xffff;
}
