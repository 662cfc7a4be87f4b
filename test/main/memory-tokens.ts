// A token store kept in memory, for main's tests: what main keeps in safeStorage, without a keychain.
import type { TokenStore } from '../../main/core/stores';

export class MemoryTokenStore implements TokenStore {
  readonly storage = 'memory' as const;
  constructor(public token: string | null = null) {}
  get() {
    return this.token;
  }
  set(token: string) {
    this.token = token;
  }
  clear() {
    this.token = null;
  }
}
