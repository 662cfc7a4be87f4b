// Main keeps what the user typed (Generate drafts, Plan lines) in its own store: validated, bounded, and bad input changes nothing.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppCore } from '../../main/core/app-core';
import { dispatch } from '../../main/core/ipc-dispatch';
import { MemoryStore } from '../../main/core/stores';
import { MAX_DRAFT_PROMPT_CHARS, MAX_DRAFTS, MAX_PLAN_LINES, MAX_PLAN_PROMPT_CHARS } from '../../shared/ipc/drafts-contract';
import { MemoryTokenStore } from './memory-tokens';

const draft = (target: string, prompt: string) => ({ target, prompt, count: 1, resolutionId: '', modeId: '', seconds: 5, maxOutputTokens: 1000, trainingImages: 10 });
const line = (id: string, prompt: string) => ({ id, modelId: 'flux-schnell', prompt, count: 10, perDay: 0 });

const cores: AppCore[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.stop();
});

function newCore(store = new MemoryStore()) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'credits-user-drafts-'));
  // a remote server that is never started: drafts need no server
  const core = new AppCore({ dataDir: dir, store, tokenStore: new MemoryTokenStore('t'), server: { kind: 'remote', url: 'http://127.0.0.1:9' }, outputUrl: () => '' });
  cores.push(core);
  return { core, store, call: (method: string, input?: unknown) => dispatch(core.handlers, method, input) };
}

describe('drafts and plan lines kept by main', () => {
  it('has none until the first save, then answers what was saved, in a new core on the same store too', async () => {
    const { call, store } = newCore();
    expect(await call('getDrafts')).toEqual({ ok: true, value: null });
    expect(await call('getPlanLines')).toEqual({ ok: true, value: null });
    const drafts = { drafts: [draft('model:flux-schnell', 'a lighthouse at dawn'), draft('model:gpt-4o', 'a haiku')] };
    const plan = { lines: [line('line-1', 'a cat'), line('line-2', '')], horizonDays: 30 };
    expect(await call('saveDrafts', drafts)).toEqual({ ok: true, value: drafts });
    expect(await call('savePlanLines', plan)).toEqual({ ok: true, value: plan });
    const again = newCore(store);
    expect(await again.call('getDrafts')).toEqual({ ok: true, value: drafts });
    expect(await again.call('getPlanLines')).toEqual({ ok: true, value: plan });
    // an empty list is a saved state of its own (not "none yet"): a page never migrates over it
    expect(await call('saveDrafts', { drafts: [] })).toEqual({ ok: true, value: { drafts: [] } });
    expect(await call('getDrafts')).toEqual({ ok: true, value: { drafts: [] } });
  });

  it.each([
    ['saveDrafts', 'an oversized prompt', { drafts: [draft('model:a', 'x'.repeat(MAX_DRAFT_PROMPT_CHARS + 1))] }, /prompt/],
    ['saveDrafts', 'too many drafts', { drafts: Array.from({ length: MAX_DRAFTS + 1 }, (_, i) => draft(`model:m${i}`, 'p')) }, /drafts/],
    ['saveDrafts', 'a wrong shape', { drafts: [{ target: 'model:a', prompt: 5 }] }, /prompt/],
    ['saveDrafts', 'an extra field', { drafts: [], sneaky: true }, /sneaky|Unrecognized/i],
    ['saveDrafts', 'no list at all', 'drafts', /input/],
    ['savePlanLines', 'an oversized line prompt', { lines: [line('l1', 'x'.repeat(MAX_PLAN_PROMPT_CHARS + 1))], horizonDays: 30 }, /prompt/],
    ['savePlanLines', 'too many lines', { lines: Array.from({ length: MAX_PLAN_LINES + 1 }, (_, i) => line(`l${i}`, '')), horizonDays: 30 }, /lines/],
    ['savePlanLines', 'a wrong shape', { lines: [{ id: 'l1', modelId: 'flux-schnell', prompt: 'p', count: '10', perDay: 0 }], horizonDays: 30 }, /count/],
    ['savePlanLines', 'an id too long', { lines: [line('l'.repeat(200), '')], horizonDays: 30 }, /id/],
  ])('%s refuses %s with a clear error and keeps what it had', async (method, _what, input, message) => {
    const { call } = newCore();
    const kept = method === 'saveDrafts' ? { drafts: [draft('model:a', 'kept')] } : { lines: [line('l1', 'kept')], horizonDays: 7 };
    const get = method === 'saveDrafts' ? 'getDrafts' : 'getPlanLines';
    expect(await call(method, kept)).toMatchObject({ ok: true });
    const r = await call(method, input);
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    if (!r.ok) expect(r.error.message).toMatch(message);
    expect(await call(get)).toEqual({ ok: true, value: kept });
  });

  it('reads a damaged stored value as none, never as an error', async () => {
    const store = new MemoryStore();
    store.set('generateDrafts', { drafts: 'not a list' });
    store.set('planLines', 42);
    const { call } = newCore(store);
    expect(await call('getDrafts')).toEqual({ ok: true, value: null });
    expect(await call('getPlanLines')).toEqual({ ok: true, value: null });
  });
});
