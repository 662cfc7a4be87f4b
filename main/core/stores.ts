// Storage seams for the core: a key-value store (electron-store in Electron, conf in browser mode) and the account token store.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TokenStorage } from '../../shared/ipc/contract';

/** The part of electron-store / conf the core uses; both implement it with the same file format. */
export interface KeyValueStore {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  delete(key: string): void;
}

/** Where the account token lives: encrypted with safeStorage in Electron, a user-only file in browser mode. */
export interface TokenStore {
  /** where the token is kept, shown in Settings */
  readonly storage: TokenStorage;
  get(): string | null;
  set(token: string): void;
  clear(): void;
}

/** Encrypts and decrypts the token at rest (Electron's safeStorage); identity in browser mode. */
export interface TokenCipher {
  encrypt(text: string): Buffer;
  decrypt(data: Buffer): string;
}

const plainCipher: TokenCipher = { encrypt: (t) => Buffer.from(t, 'utf8'), decrypt: (b) => b.toString('utf8') };

/** A token in a file readable by this user only, written atomically; encrypted when a cipher is given. */
export class FileTokenStore implements TokenStore {
  readonly storage: TokenStorage;
  constructor(
    private readonly file: string,
    private readonly cipher: TokenCipher = plainCipher,
  ) {
    this.storage = cipher === plainCipher ? 'user-file' : 'encrypted';
  }

  get(): string | null {
    if (!existsSync(this.file)) return null;
    try {
      const token = this.cipher.decrypt(readFileSync(this.file)).trim();
      return token.length > 0 && token.length <= 200 ? token : null;
    } catch {
      return null; // unreadable or from another machine's keychain: treat as no token, a new one will be obtained
    }
  }

  set(token: string): void {
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, this.cipher.encrypt(token), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
  }

  clear(): void {
    rmSync(this.file, { force: true });
  }
}

/** An in-memory key-value store, for tests of code that takes a store. */
export class MemoryStore implements KeyValueStore {
  private readonly map = new Map<string, unknown>();
  get(key: string): unknown {
    return structuredClone(this.map.get(key));
  }
  set(key: string, value: unknown): void {
    this.map.set(key, structuredClone(value));
  }
  /** like conf's dotted keys: deleting `a.b` removes `a.b.c` too */
  delete(key: string): void {
    this.map.delete(key);
    for (const k of [...this.map.keys()]) if (k.startsWith(`${key}.`)) this.map.delete(k);
  }
}

/**
 * One account's part of the app's store: every key under `<root>.`, which conf and electron-store keep as one nested object, so that
 * wipe() removes it in one delete. After wipe() it reads nothing and writes nothing (a late write of a stopped core is dropped).
 */
export class PrefixedStore implements KeyValueStore {
  private wiped = false;
  constructor(
    private readonly base: KeyValueStore,
    /** the path of the account's object in the store, e.g. accountData.a-1f2e3d4c */
    readonly root: string,
  ) {}
  get(key: string): unknown {
    return this.wiped ? undefined : this.base.get(`${this.root}.${key}`);
  }
  set(key: string, value: unknown): void {
    if (!this.wiped) this.base.set(`${this.root}.${key}`, value);
  }
  delete(key: string): void {
    if (!this.wiped) this.base.delete(`${this.root}.${key}`);
  }
  wipe(): void {
    this.wiped = true;
    this.base.delete(this.root);
  }
}

/** This install's key for the wallet cache's MAC, in a file readable by this user only (created on first use). */
export function cacheSecret(dataDir: string): Buffer {
  const file = path.join(dataDir, 'cache-key');
  try {
    const k = readFileSync(file);
    if (k.length === 32) return k;
  } catch {
    // created below
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(file, key, { mode: 0o600 });
  chmodSync(file, 0o600);
  return key;
}
