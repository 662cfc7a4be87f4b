// The store's pure parts in main: the country of a locale, and which creditsdesk:// links name a purchase.
import { describe, expect, it } from 'vitest';
import { countryOfLocale, purchaseIdOfLink } from '../../main/core/purchases';
import { centsPerCreditText, countryRefusal, smallestPackCovering, takeBackOf } from '../../shared/rules/purchases';
import { defaultCatalog } from '../../shared/catalog/index';

describe('store helpers', () => {
  it('reads the country of a locale', () => {
    expect(countryOfLocale('en-GB')).toBe('GB');
    expect(countryOfLocale('de_DE.UTF-8')).toBe('DE');
    expect(countryOfLocale('fr')).toBeNull();
    expect(countryOfLocale(undefined)).toBeNull();
  });

  it('takes only creditsdesk://purchase/<id> links', () => {
    expect(purchaseIdOfLink('creditsdesk://purchase/pur_abc-123')).toBe('pur_abc-123');
    expect(purchaseIdOfLink('creditsdesk://purchase/pur_abc?status=paid')).toBe('pur_abc');
    for (const bad of ['creditsdesk://purchase/', 'creditsdesk://purchase/../x', 'creditsdesk://other/pur_a', 'https://purchase/pur_a', 'creditsdesk://purchase/pur_a b']) expect(purchaseIdOfLink(bad)).toBeNull();
  });

  it('refuses countries outside the list by name, proposes the smallest covering pack, prices a credit', () => {
    expect(countryRefusal(defaultCatalog, 'DE')).toBeNull();
    expect(countryRefusal(defaultCatalog, 'RU')).toContain('Russia (RU)');
    expect(smallestPackCovering(defaultCatalog.packs, 150_000)?.id).toBe('pack-200');
    expect(smallestPackCovering(defaultCatalog.packs, 200_001)?.id).toBe('pack-1100');
    expect(smallestPackCovering(defaultCatalog.packs, 10 ** 12)?.id).toBe('pack-130000');
    expect(centsPerCreditText({ priceMinor: 199, creditsMc: 200_000 })).toBe('0.995¢');
  });

  it('takes back what is left of a pack and no run holds', () => {
    const g = { id: 'g', kind: 'pack' as const, amountMc: 200_000, remainingMc: 120_000, pinnedMc: 20_000, effectiveAtMs: 0, expiresAtMs: null, priority: 0, paid: true };
    expect(takeBackOf(g)).toEqual({ takenBackMc: 100_000, spentMc: 80_000, pinnedMc: 20_000 });
  });
});
