import { sha256 } from '@noble/hashes/sha2.js';
import { ENTITY_NAMES, type EntityData, type EntityName } from './entities.ts';

/** JSON with keys sorted at every level and no white space (PROTOCOL.md "Checksums"). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + (canonicalJson(value[i]) ?? 'null');
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  let out = '{';
  for (const k of Object.keys(obj).sort()) {
    const v = obj[k];
    if (v === undefined) continue;
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(k)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}

const encoder = new TextEncoder();

/** The canonical JSON of a row's `{data, deleted, entity_id}`: `canonicalJson` unrolled for flat row data. */
export function canonicalRow(entityId: string, deleted: boolean, data: EntityData | null): string {
  let body = 'null';
  if (!deleted && data !== null) {
    const parts: string[] = [];
    for (const k of Object.keys(data).sort()) {
      const v = data[k];
      if (v !== undefined) parts.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
    }
    body = `{${parts.join(',')}}`;
  }
  return `{"data":${body},"deleted":${deleted},"entity_id":${JSON.stringify(entityId)}}`;
}

/** Node's native one-shot hash where it exists (five times faster), else the portable JS SHA-256 (browsers). */
type NodeHash = (algorithm: 'sha256', data: string, outputEncoding: 'buffer') => Uint8Array;
const nodeHash = (
  (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.(
    'node:crypto',
  ) as { hash?: NodeHash } | undefined
)?.hash;
const sha256Utf8: (text: string) => Uint8Array = nodeHash
  ? (text) => nodeHash('sha256', text, 'buffer')
  : (text) => sha256(encoder.encode(text));

/** First 4 bytes (big-endian) of SHA-256 of the row's canonical `{data, deleted, entity_id}`. */
export function rowHash(entityId: string, deleted: boolean, data: EntityData | null): number {
  const d = sha256Utf8(canonicalRow(entityId, deleted, data));
  return ((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0;
}

/** Accumulates row hashes of one entity: sum modulo 2^32, as 8 lowercase hex digits. */
export class ChecksumAccumulator {
  count = 0;
  #sum = 0;
  add(entityId: string, deleted: boolean, data: EntityData | null): void {
    this.#sum = (this.#sum + rowHash(entityId, deleted, data)) >>> 0;
    this.count++;
  }
  get checksum(): string {
    return this.#sum.toString(16).padStart(8, '0');
  }
}

/** One accumulator per entity, all three always present. */
export function createChecksums(): Record<EntityName, ChecksumAccumulator> {
  return Object.fromEntries(ENTITY_NAMES.map((n) => [n, new ChecksumAccumulator()])) as Record<
    EntityName,
    ChecksumAccumulator
  >;
}
