// The one rule for "newer wallet": same account, then a higher revision, or the same revision read later.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isNewerWallet, type WalletStamp } from '../../shared/rules/wallet-order';

const w = (revision: number, serverTimeMs: number, accountId = 'acc_1'): WalletStamp => ({ accountId, revision, serverTimeMs });

describe('isNewerWallet', () => {
  it('orders by revision first', () => {
    expect(isNewerWallet(w(5, 1_000), w(4, 9_000))).toBe(true); // a higher revision wins even if read by an earlier clock
    expect(isNewerWallet(w(4, 9_000), w(5, 1_000))).toBe(false);
  });

  it('breaks a revision tie by the server time it was read at', () => {
    expect(isNewerWallet(w(5, 2_000), w(5, 1_000))).toBe(true);
    expect(isNewerWallet(w(5, 1_000), w(5, 2_000))).toBe(false);
  });

  it('an identical snapshot is not newer', () => {
    expect(isNewerWallet(w(5, 1_000), w(5, 1_000))).toBe(false);
  });

  it('does not order snapshots of different accounts', () => {
    expect(isNewerWallet(w(9, 9_000, 'a'), w(1, 1, 'b'))).toBe(false);
    expect(isNewerWallet(w(1, 1, 'b'), w(9, 9_000, 'a'))).toBe(false);
  });

  it('is a strict order: never both ways, and transitive', () => {
    const stamp = fc.record({ accountId: fc.constantFrom('a', 'b'), revision: fc.nat(5), serverTimeMs: fc.nat(5) });
    fc.assert(
      fc.property(stamp, stamp, stamp, (a, b, c) => {
        expect(isNewerWallet(a, b) && isNewerWallet(b, a)).toBe(false);
        expect(isNewerWallet(a, a)).toBe(false);
        if (isNewerWallet(a, b) && isNewerWallet(b, c)) expect(isNewerWallet(a, c)).toBe(true);
      }),
    );
  });
});
