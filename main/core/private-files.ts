// Files main writes are readable by this user alone: directories 0700, files 0600, for the stores (electron-store/conf) and our own files.
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
/** a bound on the audit's walk */
export const MAX_AUDITED_ENTRIES = 10_000;

/** Options for electron-store and conf: their file is written 0600 (their default is 0666 less the umask). */
export const privateStoreOptions = { configFileMode: PRIVATE_FILE_MODE } as const;

/** POSIX modes only: Windows has ACLs, and its profile folders are per-user already. */
const posix = process.platform !== 'win32';

/** Creates `dir` (and missing parents) 0700, and tightens it if it already existed. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (posix) chmodSync(dir, PRIVATE_DIR_MODE);
}

/** Tightens a file to 0600 if it exists (a store written by an older version may be 0644). */
export function makePrivate(file: string): void {
  if (posix && existsSync(file)) chmodSync(file, PRIVATE_FILE_MODE);
}

/** Files and directories under `dir` (itself included) that others could read: group or other bits set. Symlinks are not followed. */
export function looseEntries(dir: string): { path: string; mode: number }[] {
  const loose: { path: string; mode: number }[] = [];
  const stack = [dir];
  let seen = 0;
  while (stack.length > 0 && seen < MAX_AUDITED_ENTRIES) {
    const p = stack.pop()!;
    seen++;
    const st = lstatSync(p);
    if (st.isSymbolicLink()) continue;
    const mode = st.mode & 0o777;
    if ((mode & 0o077) !== 0) loose.push({ path: p, mode });
    if (st.isDirectory()) for (const name of readdirSync(p)) stack.push(path.join(p, name));
  }
  return loose;
}
