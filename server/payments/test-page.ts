// The test provider's checkout page (pay, decline, cancel, or a card that needs authentication first, each a named test card; every choice goes through the signed webhook) and the return page.
import { formatMoney } from '../../shared/rules/money';
import { countryName } from '../../shared/rules/purchases';
import { paymentMethodText } from '../../shared/api/receipts';
import { TEST_CARDS } from './test-provider';

export interface CheckoutInfo {
  name: string;
  priceMinor: number;
  currency: string;
  country: string;
  status: string;
  subscription: boolean;
  /** the checkout keeps the card for auto top-up: the page also offers a card whose later payments are declined */
  saving?: boolean;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const card = (m: { brand: string; last4: string }) => escapeHtml(paymentMethodText(m));

const SCRIPT = `
const id = location.pathname.split('/').pop();
const out = document.getElementById('result');
const auth = document.getElementById('auth');
async function act(action) {
  for (const b of document.querySelectorAll('button')) b.disabled = true;
  const billingCountry = document.getElementById('country').value.trim().toUpperCase();
  let text;
  try {
    const r = await fetch(location.pathname, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action, billingCountry }) });
    const body = await r.json();
    if (!r.ok) text = body.error.message;
    else if (body.state === 'requires_authentication') { auth.hidden = false; text = 'Your bank asks you to confirm this payment.'; }
    else text = { paid: 'Payment received. You can return to Credits Desk.', failed: 'The payment was declined. Nothing was charged.', canceled: 'Checkout canceled. Nothing was charged.', refunded: 'The payment was refunded: payments from that country are not accepted.' }[body.status] || ('Status: ' + body.status);
    if (r.ok && body.state === 'done') { const a = document.getElementById('back'); a.href = body.returnUrl; a.hidden = false; }
  } catch (e) { text = 'Could not reach the server: ' + e.message; }
  out.textContent = text;
  for (const b of document.querySelectorAll('button')) b.disabled = false;
}
for (const b of document.querySelectorAll('button[data-action]')) b.addEventListener('click', () => act(b.dataset.action));
`;

export function checkoutPage(info: CheckoutInfo): string {
  const price = formatMoney({ amountMinor: info.priceMinor, currency: info.currency });
  const open = info.status === 'pending' || info.status === 'failed';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test checkout — ${escapeHtml(info.name)}</title>
<style>body{font:15px system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}button{margin:.25rem .25rem .25rem 0;padding:.5rem .9rem}#auth{border:1px solid #888;padding:.75rem;margin:1rem 0}.note{color:#555;font-size:13px}</style></head><body>
<h1>Test checkout</h1>
<p class="note">This is the credits server's test payment provider: no real money moves.</p>
<p><strong>${escapeHtml(info.name)}</strong>${info.subscription ? ' (subscription)' : ''}${info.saving ? ' — the card is saved for auto top-up' : ''}<br>${escapeHtml(price)} ${escapeHtml(info.currency)}</p>
<label>Billing country <input id="country" value="${escapeHtml(info.country)}" maxlength="2" size="3"></label> <span class="note">${escapeHtml(countryName(info.country))}</span>
${open ? `<p>
<button data-action="pay">Pay ${escapeHtml(price)} with ${card(TEST_CARDS.pay)}</button>
<button data-action="pay_with_authentication">Pay with a card that needs authentication (${card(TEST_CARDS.authenticated)})</button>
<button data-action="decline">Use a card that is declined (${card(TEST_CARDS.declined)})</button>
${info.saving ? `<button data-action="pay_card_declines_later">Pay with a card whose later payments are declined (${card(TEST_CARDS.declinesLater)})</button>` : ''}
<button data-action="cancel">Cancel</button></p>
<div id="auth" hidden><p>Test bank: confirm this payment?</p><button data-action="authenticate">Complete authentication</button></div>` : `<p>This checkout is ${escapeHtml(info.status)}.</p>`}
<p id="result" role="status"></p>
<p><a id="back" hidden href="#">Return to Credits Desk</a></p>
<script>${SCRIPT}</script></body></html>`;
}

/** The page a checkout returns the browser to: a link back into the app (the app also polls the purchase, so this is a convenience). */
export function returnPage(purchaseId: string): string {
  const link = `creditsdesk://purchase/${encodeURIComponent(purchaseId)}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Back to Credits Desk</title><meta http-equiv="refresh" content="0;url=${escapeHtml(link)}">
<style>body{font:15px system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}</style></head><body>
<h1>Checkout finished</h1><p>Credits Desk shows the result of your purchase. <a href="${escapeHtml(link)}">Return to Credits Desk</a>.</p></body></html>`;
}
