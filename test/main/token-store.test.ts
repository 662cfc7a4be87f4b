// The Electron token store refuses plain text: encrypted 0600 file when the keychain encrypts, memory only when it cannot.
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EncryptedTokenStore, looksLikePlainToken, safeStorageEncrypts, type SafeStorageLike } from '../../main/core/token-store';

const TOKEN = 'cdt_abcDEF123-_xyz';

/** A fake safeStorage: a reversible transform that never leaves the token readable. */
function fakeSafe(available: boolean, backend = 'gnome_libsecret', failEncrypt = false): SafeStorageLike {
  return {
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
    encryptString: (t) => {
      if (!available || failEncrypt) throw new Error('Error while encrypting the text provided to safeStorage.encryptString.');
      return Buffer.concat([Buffer.from('v11'), Buffer.from(t, 'utf8').map((b) => b ^ 0xa5)]);
    },
    decryptString: (b) => {
      if (!available) throw new Error('Error while decrypting');
      return Buffer.from(b.subarray(3).map((x) => x ^ 0xa5)).toString('utf8');
    },
  };
}

const tmpFile = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'credits-token-')), 'account-token.bin');

describe('EncryptedTokenStore', () => {
  it('writes only ciphertext, in a file only this user can read', () => {
    const file = tmpFile();
    const store = new EncryptedTokenStore(file, fakeSafe(true), 'linux');
    store.set(TOKEN);
    expect(store.storage).toBe('encrypted');
    const bytes = readFileSync(file);
    expect(bytes.toString('latin1')).not.toContain(TOKEN);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(new EncryptedTokenStore(file, fakeSafe(true), 'linux').get()).toBe(TOKEN);
  });

  it('keeps the token in memory and writes nothing when the keychain cannot encrypt', () => {
    const file = tmpFile();
    const store = new EncryptedTokenStore(file, fakeSafe(false), 'linux');
    store.set(TOKEN);
    expect(store.storage).toBe('memory');
    expect(store.get()).toBe(TOKEN);
    expect(existsSync(file)).toBe(false);
    expect(new EncryptedTokenStore(file, fakeSafe(false), 'linux').get()).toBeNull();
  });

  it("treats Linux's fixed-key basic_text backend as no encryption", () => {
    expect(safeStorageEncrypts(fakeSafe(true, 'basic_text'), 'linux')).toBe(false);
    expect(safeStorageEncrypts(fakeSafe(true, 'basic_text'), 'darwin')).toBe(true);
    expect(safeStorageEncrypts(fakeSafe(true, 'kwallet6'), 'linux')).toBe(true);
    const file = tmpFile();
    new EncryptedTokenStore(file, fakeSafe(true, 'basic_text'), 'linux').set(TOKEN);
    expect(existsSync(file)).toBe(false);
  });

  it('falls back to memory, never to plain text, when encrypting fails', () => {
    const file = tmpFile();
    const store = new EncryptedTokenStore(file, fakeSafe(true, 'kwallet', true), 'linux');
    store.set(TOKEN);
    expect(store.storage).toBe('memory');
    expect(store.get()).toBe(TOKEN);
    expect(existsSync(file)).toBe(false);
  });

  it('deletes a token file an older version wrote in the clear', () => {
    const file = tmpFile();
    writeFileSync(file, `${TOKEN}\n`);
    expect(looksLikePlainToken(readFileSync(file))).toBe(true);
    const store = new EncryptedTokenStore(file, fakeSafe(false), 'linux');
    expect(existsSync(file)).toBe(false);
    expect(store.get()).toBeNull();
    const encrypted = fakeSafe(true).encryptString(TOKEN);
    expect(looksLikePlainToken(encrypted)).toBe(false);
  });

  it('clears memory and file', () => {
    const file = tmpFile();
    const store = new EncryptedTokenStore(file, fakeSafe(true), 'linux');
    store.set(TOKEN);
    store.clear();
    expect(store.get()).toBeNull();
    expect(existsSync(file)).toBe(false);
  });
});
