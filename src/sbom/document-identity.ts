/** Deterministic identities for SBOM documents: the same spec and timestamp give the same ids. */
import { createHash } from 'node:crypto';

/** RFC 4122 name-based UUID (version 5) in the URL namespace. */
export function uuidV5(name: string): string {
  const namespace = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');
  const bytes = createHash('sha1').update(namespace).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `2026-11-21T23:10:00Z`: second precision, UTC, as both SBOM formats expect. */
export function sbomTimestamp(timestamp: Date | string): string {
  const date = typeof timestamp === 'string' ? new Date(timestamp) : timestamp;
  if (Number.isNaN(date.getTime())) throw new RangeError(`Not a timestamp: ${String(timestamp)}`);
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
