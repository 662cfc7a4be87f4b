// The store: credit packs (price per credit, 6-month expiry, commercial use) and plans, the buyer's country first; checkout opens in the browser.
import { useEffect, useId, useState } from 'react';
import type { Catalog } from '../../../../shared/catalog/schema';
import { formatMoney } from '../../../../shared/rules/money';
import { centsPerCreditText, countryName, countryRefusal } from '../../../../shared/rules/purchases';
import { formatCredits } from '../../lib/format';
import { useAppStore } from '../../stores/app-store';
import { useStoreStore } from '../../stores/store-store';
import { useWalletStore } from '../../stores/wallet-store';
import { PlanOptions } from './PlanOptions';
import { PurchaseStatus } from './PurchaseStatus';
import { AutoTopUpSection } from './AutoTopUp';

/** Countries the store offers besides those that may pay, so that a buyer elsewhere is told why before any checkout. */
const OTHER_COUNTRIES = ['AR', 'BR', 'CH', 'CN', 'IN', 'ID', 'IS', 'JP', 'KR', 'MX', 'NG', 'NO', 'RU', 'TR', 'UA', 'ZA'];

/** The pack the insufficient-credits refusal proposed (#store?pack=<id>), to highlight. */
function suggestedPack(): string | null {
  return new URLSearchParams(location.hash.split('?')[1] ?? '').get('pack');
}

function CountryPicker({ catalog, country }: { catalog: Catalog; country: string }) {
  const id = useId();
  const setCountry = useStoreStore((s) => s.setCountry);
  const allowed = [...catalog.policies.purchaseCountries].sort((a, b) => countryName(a).localeCompare(countryName(b)));
  const others = OTHER_COUNTRIES.filter((c) => !allowed.includes(c));
  const refusal = countryRefusal(catalog, country);
  return (
    <div className="field small">
      <label htmlFor={id}>Your country</label>
      <select id={id} value={country} onChange={(e) => void setCountry(e.target.value)}>
        {!allowed.includes(country) && !others.includes(country) && <option value={country}>{countryName(country)}</option>}
        <optgroup label="Payments accepted">
          {allowed.map((c) => <option key={c} value={c}>{countryName(c)}</option>)}
        </optgroup>
        <optgroup label="Other countries">
          {others.map((c) => <option key={c} value={c}>{countryName(c)}</option>)}
        </optgroup>
      </select>
      {refusal && <p role="alert" className="refusal" data-code="country_not_allowed">We can't take payments from here: {refusal}.</p>}
    </div>
  );
}

export function StorePage() {
  const catalog = useAppStore((s) => s.catalogView?.catalog ?? null);
  const { state, error, busy, buyPack, init, clearError } = useStoreStore();
  const [saveCard, setSaveCard] = useState(false);
  useEffect(() => init(), [init]);
  const country = state?.country ?? state?.defaultCountry ?? 'US';
  // the connection as the balance bar shows it, live: offline the store shows its saved prices and sells nothing
  const online = useWalletStore((s) => s.view?.connection === 'online');
  const pick = suggestedPack();
  const refused = catalog ? countryRefusal(catalog, country) : null;
  return (
    <main className="page" aria-labelledby="store-heading">
      <h1 id="store-heading">Store</h1>
      {!catalog && <p className="muted">The price list has not been downloaded yet. Connect to the credits server once.</p>}
      {catalog && (
        <>
          <CountryPicker catalog={catalog} country={country} />
          {!online && <p role="status" className="alert">You're offline. These are the saved prices; buying needs a connection, and nothing is charged or queued until then.</p>}
          <PurchaseStatus />
          {error && (
            <p role="alert" className="refusal" data-code={error.code}>
              {error.message} <button type="button" className="text-button" onClick={clearError}>Dismiss</button>
            </p>
          )}
          <section aria-labelledby="packs-heading">
            <h2 id="packs-heading">Credit packs</h2>
            <p className="lede">Pack credits expire 6 months after purchase. They are paid credits: what you make with them may be used commercially.</p>
            <ul className="store-list" aria-label="Credit packs">
              {catalog.packs.map((p) => (
                <li key={p.id} className={`store-card${pick === p.id ? ' suggested' : ''}`} aria-label={p.name}>
                  <strong>{p.name}</strong>
                  <span className="price">{formatMoney({ amountMinor: p.priceMinor, currency: catalog.currency })}</span>
                  <span className="muted">{centsPerCreditText(p)} a credit · expires 6 months after purchase · commercial use</span>
                  {pick === p.id && <span className="badge">Covers your run</span>}
                  <button type="button" className="primary" disabled={!online || busy || !!refused} onClick={() => void buyPack(p.id, country, saveCard)}>
                    Buy {formatCredits(p.creditsMc)} credits
                  </button>
                </li>
              ))}
            </ul>
            <label className="check">
              <input type="checkbox" checked={saveCard} onChange={(e) => setSaveCard(e.target.checked)} /> Save the card I pay with for auto top-up (auto top-up stays off until you turn it on below)
            </label>
          </section>
          <AutoTopUpSection catalog={catalog} country={country} online={online} />
          <PlanOptions catalog={catalog} country={country} disabled={!online || busy || !!refused} />
        </>
      )}
    </main>
  );
}
