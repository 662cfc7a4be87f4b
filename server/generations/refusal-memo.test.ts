// The refusal memo: a 429 too_many_runs is repeated from memory for a moment, forgotten when the account's run ends, and bounded.
import { describe, expect, it } from 'vitest';
import { DomainError } from '../errors';
import { RefusalMemo } from './refusal-memo';

const tooMany = () => new DomainError('too_many', 'too_many_runs', 'you have 8 runs queued or running', { limit: 8, inFlight: 8, retryAfterMs: 4_000 });

describe('refusal memo', () => {
  it('repeats a too_many_runs refusal to the same token until the moment passes', () => {
    let nowMs = 0;
    const memo = new RefusalMemo(() => nowMs, 250);
    memo.remember('tok-a', 'acct-1', tooMany());
    expect(() => memo.check('tok-a')).toThrow(expect.objectContaining({ kind: 'too_many', code: 'too_many_runs', details: { limit: 8, inFlight: 8, retryAfterMs: 4_000 } }));
    expect(() => memo.check('tok-b')).not.toThrow();
    nowMs = 249;
    expect(() => memo.check('tok-a')).toThrow(DomainError);
    nowMs = 250;
    expect(() => memo.check('tok-a')).not.toThrow();
    expect(memo.size).toBe(0);
  });

  it('remembers nothing but too_many_runs', () => {
    const memo = new RefusalMemo(() => 0);
    memo.remember('tok', 'acct', new DomainError('insufficient_credits', 'insufficient_credits', 'no'));
    memo.remember('tok', 'acct', new DomainError('too_many', 'too_many_checkouts', 'no'));
    memo.remember('tok', 'acct', new Error('boom'));
    memo.remember('', 'acct', tooMany());
    expect(memo.size).toBe(0);
    expect(() => memo.check('tok')).not.toThrow();
  });

  it('forgets every token of an account as soon as one of its runs ends, and no other account', () => {
    const memo = new RefusalMemo(() => 0);
    memo.remember('tok-a1', 'acct-1', tooMany());
    memo.remember('tok-a2', 'acct-1', tooMany());
    memo.remember('tok-b', 'acct-2', tooMany());
    memo.forgetAccount('acct-1');
    expect(() => memo.check('tok-a1')).not.toThrow();
    expect(() => memo.check('tok-a2')).not.toThrow();
    expect(() => memo.check('tok-b')).toThrow(DomainError);
  });

  it('holds at most its bound of tokens, forgetting the oldest first', () => {
    const memo = new RefusalMemo(() => 0, 250, 3);
    for (let i = 0; i < 5; i++) memo.remember(`tok-${i}`, `acct-${i}`, tooMany());
    expect(memo.size).toBe(3);
    expect(() => memo.check('tok-0')).not.toThrow();
    expect(() => memo.check('tok-1')).not.toThrow();
    expect(() => memo.check('tok-4')).toThrow(DomainError);
    memo.forgetAccount('acct-4');
    expect(memo.size).toBe(2);
  });
});
