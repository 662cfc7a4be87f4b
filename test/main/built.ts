// Paths of the built bundles that main tests run as real processes; they need `npm run build` first (npm test does it).
import { existsSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const SERVER_ENTRY = path.join(ROOT, 'out/server/index.cjs');

export function requireBuilt(file: string): string {
  if (!existsSync(file)) throw new Error(`${path.relative(ROOT, file)} is not built: run npm run build (npm test builds first)`);
  return file;
}
