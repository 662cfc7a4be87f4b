// Purchase rules (docs/credit-rules.md §8): the country rule, what a refund takes back, the smallest pack that covers a run, the price per credit.
import type { Catalog, Pack } from '../catalog/schema';
import { unpinnedMc, type Grant } from './grants';
import { MC_PER_CREDIT } from './money';

/** A country's English name ("Russia" for RU), or the code itself where the runtime has no name for it. */
export function countryName(code: string): string {
  try {
    return new Intl.DisplayNames(['en'], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}

export function isCountryAllowed(catalog: Pick<Catalog, 'policies'>, country: string): boolean {
  return catalog.policies.purchaseCountries.includes(country.toUpperCase());
}

/** Why a country may not pay, in words that name it; null when it may. */
export function countryRefusal(catalog: Pick<Catalog, 'policies'>, country: string): string | null {
  if (isCountryAllowed(catalog, country)) return null;
  return `payments from ${countryName(country)} (${country.toUpperCase()}) are not accepted; purchases are open to the US, the UK, Canada, Australia, New Zealand, Singapore, Hong Kong and the EU`;
}

export interface TakeBack {
  /** credits taken back now: what is left of the grant and no run has pinned */
  takenBackMc: number;
  /** already spent: stays spent */
  spentMc: number;
  /** pinned by runs in progress: taken when they settle (the grant is ended now, so their release expires) */
  pinnedMc: number;
}

/** What a refund or dispute of a pack takes back from its grant: never below zero, never what runs in progress hold. */
export function takeBackOf(g: Grant): TakeBack {
  return { takenBackMc: unpinnedMc(g), spentMc: g.amountMc - g.remainingMc, pinnedMc: g.pinnedMc };
}

/** The cheapest pack that alone covers `neededMc` (the one with the fewest credits among those that do), or the largest if none does. */
export function smallestPackCovering(packs: readonly Pack[], neededMc: number): Pack | null {
  const covering = packs.filter((p) => p.creditsMc >= neededMc).sort((a, b) => a.creditsMc - b.creditsMc || a.priceMinor - b.priceMinor);
  if (covering[0]) return covering[0];
  return [...packs].sort((a, b) => b.creditsMc - a.creditsMc)[0] ?? null;
}

/** Price of one credit in minor units, to 3 decimals as text ("0.908¢"), computed in integers. */
export function centsPerCreditText(p: Pick<Pack, 'priceMinor' | 'creditsMc'>): string {
  const credits = p.creditsMc / MC_PER_CREDIT;
  if (!(credits > 0)) return '';
  // thousandths of a cent per credit, rounded half up, in integers: priceMinor * 1000 * 1000 / creditsMc
  const milli = Math.round((p.priceMinor * 1_000_000) / p.creditsMc);
  return `${Math.floor(milli / 1000)}.${String(milli % 1000).padStart(3, '0')}¢`;
}
