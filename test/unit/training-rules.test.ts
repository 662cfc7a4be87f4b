// The training rules: image types by content, the allowance's period and window (Monday weeks, years from the account's start), job durations and stages.
import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../shared/catalog/index';
import { findPlan } from '../../shared/catalog/schema';
import { allowancePerPeriod, allowancePeriodOf, sniffImageType, stageAt, trainingDurationMs, trainingRefusal, utcWeekOf, yearFromAnchorOf } from '../../shared/rules/training';

const plan = (id: string) => findPlan(defaultCatalog, id)!;
const at = (iso: string) => Date.parse(iso);

describe('training rules', () => {
  it('reads the type from the first bytes, never the name', () => {
    expect(sniffImageType(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffImageType(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe('image/png');
    expect(sniffImageType(new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp');
    expect(sniffImageType(new TextEncoder().encode('RIFF\0\0\0\0WAVEfmt '))).toBeNull();
    expect(sniffImageType(new TextEncoder().encode('GIF89a'))).toBeNull();
    expect(sniffImageType(new Uint8Array([0x89, 0x50]))).toBeNull();
  });

  it('counts per week on weekly plans, per year on yearly-only allowances, nothing on Free', () => {
    expect(allowancePeriodOf(plan('free'))).toBeNull();
    expect(allowancePeriodOf(plan('starter'))).toBe('yearly');
    expect(allowancePeriodOf(plan('pro'))).toBe('weekly');
    expect(allowancePerPeriod(plan('pro'), 'weekly')).toBe(1);
    expect(allowancePerPeriod(plan('ultra'), 'yearly')).toBe(50);
    expect(allowancePerPeriod(plan('free'), null)).toBe(0);
  });

  it('weeks run Monday 00:00 UTC to Monday', () => {
    expect(utcWeekOf(at('2026-11-22T23:59:59Z'))).toEqual({ startMs: at('2026-11-16T00:00:00Z'), endMs: at('2026-11-23T00:00:00Z') });
    expect(utcWeekOf(at('2026-11-23T00:00:00Z'))).toEqual({ startMs: at('2026-11-23T00:00:00Z'), endMs: at('2026-11-30T00:00:00Z') });
  });

  it('years run from the anchor', () => {
    const anchor = at('2024-02-29T10:00:00Z');
    expect(yearFromAnchorOf(anchor, at('2024-03-01T00:00:00Z'))).toEqual({ startMs: anchor, endMs: at('2025-03-01T10:00:00Z') });
    expect(yearFromAnchorOf(anchor, at('2026-11-22T12:00:00Z')).startMs).toBe(at('2026-03-01T10:00:00Z'));
    expect(yearFromAnchorOf(at('2026-11-22T12:00:00Z'), at('2027-11-22T12:00:00Z')).startMs).toBe(at('2027-11-22T12:00:00Z'));
  });

  it('a job runs 20 to 40 minutes, in stages', () => {
    expect(trainingDurationMs(1)).toBe(20 * 60_000 + 40_000);
    expect(trainingDurationMs(30)).toBe(40 * 60_000);
    expect([0, 9, 10, 94, 95, 100].map(stageAt)).toEqual(['preparing', 'preparing', 'training', 'training', 'saving', 'done']);
  });
});

describe('which plans may train, before anything is sent', () => {
  it('Free may train neither with an allowance nor for credits: the reason, and the plans on sale that include it', () => {
    expect(trainingRefusal(defaultCatalog, 'free', 'credits')).toEqual({ code: 'model_not_in_plan', message: 'AI Photos Train Model is not included in the Free plan. Starter, Pro, Ultra and Max include it.' });
    expect(trainingRefusal(defaultCatalog, 'free', 'allowance')).toEqual({ code: 'training_not_in_plan', message: 'Custom model training is not included in the Free plan. Starter, Pro, Ultra and Max include a training allowance.' });
  });

  it('the paid plans may train both ways; a legacy plan for credits only', () => {
    for (const id of ['starter', 'pro', 'ultra', 'max']) {
      expect(trainingRefusal(defaultCatalog, id, 'credits')).toBeNull();
      expect(trainingRefusal(defaultCatalog, id, 'allowance')).toBeNull();
    }
    expect(trainingRefusal(defaultCatalog, 'legacy-early-bird', 'credits')).toBeNull();
    expect(trainingRefusal(defaultCatalog, 'legacy-early-bird', 'allowance')?.code).toBe('training_not_in_plan');
  });

  it('follows the catalog it is given, not a plan name', () => {
    const free = plan('free');
    const opened = { ...defaultCatalog, plans: defaultCatalog.plans.map((p) => (p.id === 'free' ? { ...free, access: { ...free.access, models: { 'ai-photos-train': { kind: 'full' as const } } } } : p)) };
    expect(trainingRefusal(opened, 'free', 'credits')).toBeNull();
    const onlyMax = { ...defaultCatalog, plans: defaultCatalog.plans.map((p) => (p.id === 'max' ? p : { ...p, access: { ...p.access, tiers: { ...p.access.tiers, ga: { kind: 'none' as const } } } })) };
    expect(trainingRefusal(onlyMax, 'pro', 'credits')?.message).toBe('AI Photos Train Model is not included in the Pro plan. Max includes it.');
    const none = { ...onlyMax, plans: onlyMax.plans.filter((p) => p.id !== 'max') };
    expect(trainingRefusal(none, 'pro', 'credits')?.message).toBe('AI Photos Train Model is not included in the Pro plan. No plan includes it.');
    const unsold = { ...defaultCatalog, models: defaultCatalog.models.filter((m) => m.pricing.meter !== 'trainingImage') };
    expect(trainingRefusal(unsold, 'pro', 'credits')).toEqual({ code: 'training_not_sold', message: 'Training is not sold for credits in the price list.' });
    expect(trainingRefusal(defaultCatalog, 'gone', 'credits')).toEqual({ code: 'unknown_plan', message: 'Your plan (gone) is not in the price list; update the app.' });
  });
});
