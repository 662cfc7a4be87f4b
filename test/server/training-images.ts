// Training images for the server's tests: bytes that pass the content check (each format's first bytes, then random bytes).
import { randomBytes } from 'node:crypto';

/** Images that pass the content check: the format's first bytes, then random bytes (so no two are the same). */
export function fakeImage(kind: 'png' | 'jpeg' | 'webp', size = 2_000): string {
  const body = randomBytes(size);
  const head = kind === 'png' ? Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) : kind === 'jpeg' ? Buffer.from([0xff, 0xd8, 0xff, 0xe0]) : Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBP')]);
  return Buffer.concat([head, body]).toString('base64');
}
export const images = (n: number) => Array.from({ length: n }, (_, i) => ({ fileName: `p${i}.png`, dataBase64: fakeImage((['png', 'jpeg', 'webp'] as const)[i % 3]!) }));
