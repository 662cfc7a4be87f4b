// Merges imported models into a catalog, keeping the operator's own edits, and says what changes before anything is written.
import { parseCatalog } from '../../../shared/catalog/index';
import type { Catalog, CatalogModel } from '../../../shared/catalog/schema';
import { formatCredits } from '../../../shared/rules/money';
import { USAGE_UNITS, type ExtraUnitKey } from '../../../shared/rules/usage-units';
import { stableJson } from '../../util';
import type { Converted } from './to-catalog';

export interface ImportPlan {
  catalog: Catalog;
  /** one line per model: + new, ~ changed, = unchanged, ! skipped, then notes */
  lines: string[];
  counts: { added: number; changed: number; unchanged: number; skipped: number };
}

function perMillion(mc: number, blockTokens: number): string {
  return formatCredits(Math.round((mc * 1_000_000) / blockTokens));
}

const PER_WORDS: Record<number, string> = { 1_000: '1k', 1_000_000_000: '1G', 3_600: 'hour' };

/**
 * The other units' prices in words: tokens per million like in and out ("input audio 200 · output image 750"), the rest per
 * their own quantity ("web searches 312.5 / 1k · audio 4.5 / hour").
 */
function unitsSummary(units: Partial<Record<ExtraUnitKey, number>> | undefined, tokens: boolean): string[] {
  return (Object.entries(units ?? {}) as [ExtraUnitKey, number][]).flatMap(([k, mc]) => {
    const u = USAGE_UNITS[k];
    if ((u.dims.family === 'tokens') !== tokens) return [];
    if (tokens) return [`${k.replace(/_tokens$/, '').replaceAll('_', ' ')} ${formatCredits(mc)}`];
    return [`${k.replace(/_seconds$/, '').replaceAll('_', ' ')} ${formatCredits(mc)} / ${PER_WORDS[u.per] ?? u.per.toLocaleString('en-US')}`];
  });
}

/** The other units beside tokens, credits per their own quantity: the base's, then a tier's where it differs. */
function otherUnitsSummary(p: Extract<CatalogModel['pricing'], { meter: 'tokens' }>): string {
  const base = unitsSummary(p.units, false);
  const tiers = (p.tiers ?? []).flatMap((t) => {
    const own = unitsSummary(t.units, false).filter((x) => !base.includes(x));
    return own.length > 0 ? [`above ${t.aboveInputTokens.toLocaleString('en-US')} input tokens: ${own.join(' · ')}`] : [];
  });
  return base.length > 0 ? `; ${[base.join(' · '), ...tiers].join('; ')} credits` : '';
}

/** A model's prices in words: credits per million tokens (with cache and tier prices), per image or per second. */
export function priceSummary(p: CatalogModel['pricing']): string {
  switch (p.meter) {
    case 'tokens': {
      const rates = (r: { inputMcPerBlock: number; outputMcPerBlock: number; cacheReadMcPerBlock?: number | undefined; cacheWriteMcPerBlock?: number | undefined; units?: Partial<Record<ExtraUnitKey, number>> | undefined }) =>
        [`in ${perMillion(r.inputMcPerBlock, p.blockTokens)}`, `out ${perMillion(r.outputMcPerBlock, p.blockTokens)}`,
          ...(r.cacheReadMcPerBlock !== undefined ? [`cache read ${perMillion(r.cacheReadMcPerBlock, p.blockTokens)}`] : []),
          ...(r.cacheWriteMcPerBlock !== undefined ? [`cache write ${perMillion(r.cacheWriteMcPerBlock, p.blockTokens)}`] : []),
          ...unitsSummary(r.units, true)].join(' · ');
      const tiers = (p.tiers ?? []).map((t) => `; above ${t.aboveInputTokens.toLocaleString('en-US')} input tokens: ${rates(t)}`).join('');
      const unit = p.rounding === 'perBlock' ? ` per started ${p.blockTokens.toLocaleString('en-US')} tokens` : ' credits / 1M tokens';
      return `${rates(p)}${tiers}${unit}${otherUnitsSummary(p)}`;
    }
    case 'image':
      return `${formatCredits(p.mcPerImage)} credits / image`;
    case 'second':
      return `${formatCredits(p.mcPerSecond)} credits / second`;
    case 'use':
      return `${formatCredits(p.mcPerUse)} credits / use`;
    case 'action':
      return `${formatCredits(p.mcPerAction)} credits / action`;
    case 'trainingImage':
      return `${formatCredits(p.mcPerImage)} credits / training image`;
  }
}

/** The imported prices, with what the operator set in the catalog kept: name, tier, output kind and a meter's limits and options. */
function keepEdits(existing: CatalogModel, imported: CatalogModel): CatalogModel {
  const merged: CatalogModel = { ...imported, name: existing.name, tier: existing.tier, ...(existing.output ? { output: existing.output } : {}) };
  const a = existing.pricing;
  const b = imported.pricing;
  if (a.meter === 'tokens' && b.meter === 'tokens') {
    // A limit the operator set on a unit the new prices still charge is kept.
    const kept = Object.fromEntries(Object.entries(b.unitLimits ?? {}).map(([k, limit]) => [k, a.unitLimits?.[k as ExtraUnitKey] ?? limit]));
    merged.pricing = { ...b, ...(b.unitLimits ? { unitLimits: kept } : {}), maxPromptChars: a.maxPromptChars, promptOverheadTokens: a.promptOverheadTokens, maxOutputTokens: a.maxOutputTokens, defaultOutputTokens: a.defaultOutputTokens };
  } else if (a.meter === 'image' && b.meter === 'image') {
    merged.pricing = { ...b, resolutions: a.resolutions, modes: a.modes, maxCount: a.maxCount };
  } else if (a.meter === 'second' && b.meter === 'second') {
    merged.pricing = { ...b, minSeconds: a.minSeconds, maxSeconds: a.maxSeconds, defaultSeconds: a.defaultSeconds, modes: a.modes };
  }
  return merged;
}

/** The same prices from the same row: only the day they were read differs. */
function samePrices(a: CatalogModel, b: CatalogModel): boolean {
  const strip = (m: CatalogModel) => ({ ...m, source: undefined, priceSource: m.priceSource ? { ...m.priceSource, importedOn: undefined, edition: undefined } : undefined });
  return stableJson(strip(a)) === stableJson(strip(b));
}

/** "2026-11-26.1", then .2 for a second change on the same day; never behind the current version. */
export function nextVersion(current: string, day: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})\.(\d+)$/.exec(current);
  return m && m[1]! >= day ? `${m[1]}.${Number(m[2]) + 1}` : `${day}.1`;
}

/** Adds new models and replaces the prices of those already there (same id); every other model, plan and pack stays as it is. */
export function mergeImported(current: Catalog, converted: Converted[], day: string): ImportPlan {
  const models = [...current.models];
  const lines: string[] = [];
  const counts = { added: 0, changed: 0, unchanged: 0, skipped: 0 };
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const c of converted) {
    if (c.ok && seen.has(c.model.id)) {
      counts.skipped++;
      lines.push(`! ${c.model.id}: skipped, an earlier row of the list has the same catalog id`);
      continue;
    }
    if (c.ok) seen.add(c.model.id);
    if (!c.ok) {
      counts.skipped++;
      lines.push(`! ${c.id}: skipped, ${c.reason}`);
      continue;
    }
    for (const n of c.notes) notes.push(`  ${c.model.id}: ${n}`);
    const i = models.findIndex((m) => m.id === c.model.id);
    if (i < 0) {
      models.push(c.model);
      counts.added++;
      lines.push(`+ ${c.model.id} (${c.model.name}): ${priceSummary(c.model.pricing)}`);
      continue;
    }
    const merged = keepEdits(models[i]!, c.model);
    if (samePrices(models[i]!, merged)) {
      counts.unchanged++;
      lines.push(`= ${c.model.id}: ${priceSummary(merged.pricing)}`);
      continue;
    }
    lines.push(`~ ${c.model.id}: ${priceSummary(models[i]!.pricing)}\n    → ${priceSummary(merged.pricing)}`);
    models[i] = merged;
    counts.changed++;
  }
  const changed = counts.added + counts.changed > 0;
  const doc = { ...current, version: changed ? nextVersion(current.version, day) : current.version, models };
  if (notes.length > 0) lines.push('notes:', ...notes);
  return { catalog: parseCatalog(doc), lines, counts };
}
