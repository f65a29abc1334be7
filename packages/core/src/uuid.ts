const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const POOL = new Uint8Array(16 * 256);
let poolOffset = POOL.length;

const nativeUuid: (() => string) | undefined =
  typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function'
    ? () => crypto.randomUUID()
    : undefined;

/** A UUID v7 (time-ordered), as PROTOCOL.md recommends for client-generated ids. */
export function uuidv7(now: number = Date.now()): string {
  if (nativeUuid) {
    // The native v4 supplies 74 random bits and the variant; the first 48 bits become the timestamp.
    const r = nativeUuid();
    const ts = now.toString(16).padStart(12, '0');
    return `${ts.slice(0, 8)}-${ts.slice(8, 12)}-7${r.slice(15)}`;
  }
  return uuidv7Fallback(now);
}

/** Without `crypto.randomUUID` (an insecure browser context): the same layout from getRandomValues. */
function uuidv7Fallback(now: number): string {
  if (poolOffset + 10 > POOL.length) {
    crypto.getRandomValues(POOL);
    poolOffset = 0;
  }
  const r = POOL.subarray(poolOffset, poolOffset + 10);
  poolOffset += 10;
  const hi = Math.floor(now / 0x10000); // top 32 of the 48-bit ms timestamp
  const lo = now % 0x10000;
  const h = (n: number) => HEX[n & 0xff]!;
  return (
    h(hi >>> 24) +
    h(hi >>> 16) +
    h(hi >>> 8) +
    h(hi) +
    '-' +
    h(lo >>> 8) +
    h(lo) +
    '-' +
    h(0x70 | (r[0]! & 0x0f)) +
    h(r[1]!) +
    '-' +
    h(0x80 | (r[2]! & 0x3f)) +
    h(r[3]!) +
    '-' +
    h(r[4]!) +
    h(r[5]!) +
    h(r[6]!) +
    h(r[7]!) +
    h(r[8]!) +
    h(r[9]!)
  );
}
