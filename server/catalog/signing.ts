// The server's Ed25519 catalog key: created once per data directory (private key readable by this user only) and used to sign each catalog.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stableJson } from '../../shared/api/canonical-json';

export interface CatalogKey {
  privateKey: KeyObject;
  /** SPKI DER, base64: what clients pin */
  publicKey: string;
  keyId: string;
}

function fromPrivate(privateKey: KeyObject): CatalogKey {
  const der = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  return { privateKey, publicKey: der.toString('base64'), keyId: createHash('sha256').update(der).digest('hex').slice(0, 16) };
}

export function ephemeralCatalogKey(): CatalogKey {
  return fromPrivate(generateKeyPairSync('ed25519').privateKey);
}

export function loadOrCreateCatalogKey(dataDir: string): CatalogKey {
  const file = path.join(dataDir, 'catalog-signing-key.pem');
  if (existsSync(file)) return fromPrivate(createPrivateKey(readFileSync(file, 'utf8')));
  const { privateKey } = generateKeyPairSync('ed25519');
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  chmodSync(file, 0o600);
  return fromPrivate(privateKey);
}

export function signCatalog(key: CatalogKey, catalog: unknown): string {
  return sign(null, Buffer.from(stableJson(catalog), 'utf8'), key.privateKey).toString('base64');
}
