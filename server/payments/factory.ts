// Builds the configured payment provider: the embedded test provider by default, or Stripe.
import type { PaymentsConfig } from '../config';
import type { PaymentProvider } from './provider';
import { StripePaymentProvider } from './stripe-provider';
import { TestPaymentProvider } from './test-provider';

export function providerFromConfig(config: PaymentsConfig): PaymentProvider {
  if (config.provider === 'test') return new TestPaymentProvider({ webhookSecret: config.webhookSecret });
  return new StripePaymentProvider({ secretKey: config.secretKey, webhookSecret: config.webhookSecret, apiHost: config.apiHost, apiPort: config.apiPort, apiProtocol: config.apiProtocol, returnUrl: config.returnUrl });
}
