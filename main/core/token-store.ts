// The account token in Electron: encrypted at rest with the OS keychain, or, when that cannot encrypt, kept in memory only and never written in plain text.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { TokenStorage } from '../../shared/ipc/contract';
import { FileTokenStore, type TokenStore } from './stores';

export const MAX_TOKEN_CHARS = 200;
/** what a token looks like in the clear: a file of only these bytes was written unencrypted (by an older version) */
const PLAIN_TOKEN = /^[A-Za-z0-9_.:-]{1,200}\s*$/;

/** Electron's safeStorage, or a fake of it in tests. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(text: string): Buffer;
  decryptString(data: Buffer): string;
  /** Linux only: 'basic_text' means a fixed, well-known key, which is no protection */
  getSelectedStorageBackend?(): string;
}

/** True when safeStorage really encrypts: available, and on Linux not the fixed-key 'basic_text' backend. */
export function safeStorageEncrypts(safe: SafeStorageLike, platform: NodeJS.Platform): boolean {
  try {
    if (!safe.isEncryptionAvailable()) return false;
    return !(platform === 'linux' && safe.getSelectedStorageBackend?.() === 'basic_text');
  } catch {
    return false;
  }
}

/** True when the bytes are a token in the clear rather than ciphertext. */
export function looksLikePlainToken(data: Buffer): boolean {
  return data.length <= MAX_TOKEN_CHARS + 2 && PLAIN_TOKEN.test(data.toString('latin1'));
}

/**
 * A token store that refuses plain text: encrypted in a user-only file when the keychain encrypts; otherwise held in memory for
 * this run (and the app says so in Settings). A token file left in the clear by an older version is deleted on sight.
 */
export class EncryptedTokenStore implements TokenStore {
  private memory: string | null = null;
  private readonly file: FileTokenStore;
  private mode: TokenStorage;

  constructor(
    private readonly path: string,
    safe: SafeStorageLike,
    platform: NodeJS.Platform = process.platform,
  ) {
    this.mode = safeStorageEncrypts(safe, platform) ? 'encrypted' : 'memory';
    this.file = new FileTokenStore(path, { encrypt: (t) => safe.encryptString(t), decrypt: (b) => safe.decryptString(b) });
    this.removePlainFile();
  }

  /** 'encrypted' on disk, or 'memory': this run only */
  get storage(): TokenStorage {
    return this.mode;
  }

  private removePlainFile(): void {
    try {
      if (existsSync(this.path) && looksLikePlainToken(readFileSync(this.path))) rmSync(this.path, { force: true });
    } catch {
      // unreadable: it is not used either way
    }
  }

  get(): string | null {
    if (this.memory !== null) return this.memory;
    if (this.mode !== 'encrypted') return null;
    return this.file.get();
  }

  set(token: string): void {
    if (token.length === 0 || token.length > MAX_TOKEN_CHARS) throw new Error(`a token is 1-${MAX_TOKEN_CHARS} characters`);
    this.memory = token;
    if (this.mode !== 'encrypted') return;
    try {
      this.file.set(token);
    } catch {
      this.mode = 'memory'; // the keychain refused after all: never fall back to writing it in the clear
    }
  }

  clear(): void {
    this.memory = null;
    this.file.clear();
  }
}
