// zod issues in words, said one way everywhere (shared/rules/issues.ts): paths, the whole value, the first few, labelled fields.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { issuePath, issuesText } from '../../shared/rules/issues';
import { defaultCatalog, parseCatalog } from '../../shared/catalog/index';
import { expandRequest, PricingError } from '../../shared/rules/pricing';
import { IPC_FIELD_LABELS } from '../../shared/ipc/contract';
import { dispatch } from '../../main/core/ipc-dispatch';

const issuesOf = (schema: z.ZodType, value: unknown) => {
  const r = schema.safeParse(value);
  if (r.success) throw new Error('expected a failed parse');
  return r.error.issues;
};

describe('issuesText', () => {
  const schema = z.object({ a: z.object({ b: z.array(z.int()) }), c: z.string() });

  it('says each issue as its dotted path and message, joined by "; "', () => {
    const issues = issuesOf(schema, { a: { b: [1, 'x'] }, c: 3 });
    expect(issuesText(issues)).toBe('a.b.1: Invalid input: expected number, received string; c: Invalid input: expected string, received number');
    expect(issuePath(issues[0]!)).toBe('a.b.1');
  });

  it('an issue about the whole value: the root name when given, else the message alone (never ": message")', () => {
    const issues = issuesOf(schema, 'not an object');
    expect(issuesText(issues)).toBe('Invalid input: expected object, received string');
    expect(issuesText(issues, { root: 'request' })).toBe('request: Invalid input: expected object, received string');
  });

  it('says at most max issues, the first ones', () => {
    const issues = issuesOf(z.array(z.string()), [1, 2, 3]);
    expect(issuesText(issues, { max: 2 }).split('; ')).toEqual(['0: Invalid input: expected string, received number', '1: Invalid input: expected string, received number']);
    expect(issuesText(issues, { max: 0 })).toBe('');
  });

  it('a labelled field reads as a sentence; a key that is only an Object property name is not a label', () => {
    const labels = { limitMc: 'The auto-approve limit' };
    expect(issuesText([{ path: ['settings', 'limitMc'], message: 'must be from 0 to 10' }], { labels })).toBe('The auto-approve limit must be from 0 to 10.');
    expect(issuesText([{ path: ['constructor'], message: 'bad' }], { labels, root: 'input' })).toBe('constructor: bad');
  });

  it('symbol keys in a path are said, not thrown on', () => {
    expect(issuesText([{ path: [Symbol('k'), 2], message: 'bad' }])).toBe('Symbol(k).2: bad');
  });
});

describe('its callers say what they said before', () => {
  it('the catalog: the first 10 issues, "(root)" for the document itself', () => {
    expect(() => parseCatalog(42)).toThrow(/^invalid price catalog: \(root\): Invalid input/);
  });

  it('a run request to price: "request: …" for the request itself', () => {
    expect(() => expandRequest(7 as never, defaultCatalog)).toThrow(PricingError);
    expect(() => expandRequest(7 as never, defaultCatalog)).toThrow(/^request: Invalid input/);
  });

  it('an IPC call with bad input: "input: …" for the input itself (labelled fields: test/main/ipc-dispatch.test.ts)', async () => {
    expect(Object.keys(IPC_FIELD_LABELS).length).toBeGreaterThan(0);
    expect(await dispatch({} as never, 'getWalletView', 'unexpected')).toEqual({ ok: false, error: { code: 'invalid_input', message: 'input: Invalid input: expected undefined, received string' } });
  });
});
