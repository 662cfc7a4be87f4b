// LiteLLM rows into catalog models: chat and completion rows priced per token, image rows per image or pixel, video rows per second.
import type { CatalogModel } from '../../../shared/catalog/schema';
import { Dec, decText, mcCeil, type Dec as Decimal } from './decimal';
import { intOf, sizeInKey, thresholdIsInclusive, thresholdsOf, type LitellmRow } from './litellm';
import { catalogIdOf, MAX_OUTPUT_TOKENS, priceSource, STANDARD_MODE, TEXT_LIMITS, tokensMeter, type Converted, type ImportSettings, type UsdLevel } from './to-catalog';

const MILLION = new Dec(1_000_000);

function litellmLevels(row: LitellmRow, provider: string): UsdLevel[] {
  const perM = (k: string) => (typeof row[k] === 'number' ? new Dec(String(row[k])).times(MILLION) : undefined);
  const offPeak = (row.off_peak_pricing ?? {}) as Record<string, unknown>;
  const orOffPeak = (k: string, v: Decimal | undefined) => (typeof offPeak[k] === 'number' && v && new Dec(String(offPeak[k])).times(MILLION).greaterThan(v) ? new Dec(String(offPeak[k])).times(MILLION) : v);
  const level = (above: number, suffix: string, base?: UsdLevel): UsdLevel => ({
    aboveInputTokens: above,
    input: orOffPeak('input_cost_per_token', perM(`input_cost_per_token${suffix}`) ?? base?.input) ?? new Dec(0),
    output: orOffPeak('output_cost_per_token', perM(`output_cost_per_token${suffix}`) ?? base?.output) ?? new Dec(0),
    cacheRead: orOffPeak('cache_read_input_token_cost', perM(`cache_read_input_token_cost${suffix}`) ?? base?.cacheRead),
    cacheWrite: orOffPeak('cache_creation_input_token_cost', perM(`cache_creation_input_token_cost${suffix}`) ?? base?.cacheWrite),
  });
  const base = level(0, '');
  const inclusive = thresholdIsInclusive(provider) ? 1 : 0;
  return [base, ...thresholdsOf(row).map((t) => level(t.tokens - inclusive, `_above_${t.key}_tokens`, base))];
}

/** Dollars per second of video a row charges (LiteLLM writes it as output_cost_per_second or output_cost_per_video_per_second). */
function usdPerSecondOf(row: LitellmRow): Decimal | null {
  const n = (k: string) => (typeof row[k] === 'number' ? new Dec(String(row[k])) : new Dec(0));
  const perSecond = n('output_cost_per_second').plus(n('output_cost_per_video_per_second'));
  return row.mode === 'video_generation' && !perSecond.isZero() ? perSecond : null;
}

/** One LiteLLM row as a catalog model: chat and completion rows priced per token, image rows per image or pixel, video per second. */
export function fromLitellm(key: string, row: LitellmRow, s: ImportSettings): Converted {
  const provider = row.litellm_provider;
  const id = catalogIdOf(provider, key.startsWith(`${provider}/`) ? key.slice(provider.length + 1) : key);
  const usd: Record<string, string> = {};
  for (const [k, v] of Object.entries(row)) if (typeof v === 'number' && /cost/.test(k)) usd[k] = decText(new Dec(String(v)));
  const notes = row.off_peak_pricing ? ['off-peak prices: each price is the higher of the standard and off-peak one'] : [];
  const common = { id, name: key.slice(0, 80), provider, tier: s.tier, source: `${provider} prices from LiteLLM, ${s.importedOn}`.slice(0, 200), priceSource: priceSource('litellm', provider, key, usd, s, { notes }) };
  if (row.tiered_pricing !== undefined) return { ok: false, id, reason: 'tiered_pricing tables are not imported' };
  if (row.mode === undefined || row.mode === 'chat' || row.mode === 'completion') {
    if (row.input_cost_per_token === undefined && row.output_cost_per_token === undefined) return { ok: false, id, reason: 'no token prices' };
    const maxOut = Math.min(intOf(row.max_output_tokens) ?? intOf(row.max_tokens) ?? TEXT_LIMITS.maxOutputTokens, MAX_OUTPUT_TOKENS);
    const limits = { ...TEXT_LIMITS, maxOutputTokens: maxOut, defaultOutputTokens: Math.min(TEXT_LIMITS.defaultOutputTokens, maxOut) };
    return { ok: true, notes, model: { ...common, modality: 'text', pricing: { ...tokensMeter(litellmLevels(row, provider), s.exchange), ...limits } } };
  }
  if (row.mode === 'image_generation') return fromLitellmImage(key, row, s, common, notes);
  const perSecond = usdPerSecondOf(row);
  if (perSecond) {
    const pricing = { meter: 'second' as const, mcPerSecond: mcCeil(perSecond, s.exchange), minSeconds: 1, maxSeconds: 20, defaultSeconds: 5, modes: STANDARD_MODE };
    return { ok: true, notes, model: { ...common, modality: 'video', pricing } };
  }
  return { ok: false, id, reason: `mode ${row.mode} is not priced by tokens, images or seconds` };
}

function fromLitellmImage(key: string, row: LitellmRow, s: ImportSettings, common: Omit<CatalogModel, 'modality' | 'pricing'>, notes: string[]): Converted {
  const n = (k: string) => (typeof row[k] === 'number' ? new Dec(String(row[k])) : new Dec(0));
  // LiteLLM prices a per-pixel row for the size its key names, 1024×1024 when it names none.
  const size = sizeInKey(key) ?? { width: 1024, height: 1024 };
  const perImage = n('input_cost_per_image').plus(n('output_cost_per_image')).plus(n('input_cost_per_pixel').plus(n('output_cost_per_pixel')).times(size.width * size.height));
  if (perImage.isZero()) return { ok: false, id: common.id, reason: 'no image prices' };
  const resolution = { id: `${size.width}x${size.height}`, label: `${size.width}×${size.height}`, width: size.width, height: size.height, multiplierPermille: 1000, minLevel: 'basic' as const };
  const pricing = { meter: 'image' as const, mcPerImage: mcCeil(perImage, s.exchange), resolutions: [resolution], modes: STANDARD_MODE, maxCount: 4 };
  return { ok: true, notes, model: { ...common, modality: 'image', pricing } };
}
