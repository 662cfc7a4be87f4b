// Builds the configured payment provider: the embedded test provider by default, or Stripe.
import type { PaymentsConfig } from '../config';
import type { PaymentProvider } from './provider';
import { TestPaymentProvider } from './test-provider';

export function providerFromConfig(config: PaymentsConfig): PaymentProvider {
  if (config.provider === 'test') return new TestPaymentProvider({ webhookSecret: config.webhookSecret });
  throw new Error('the stripe provider is not built yet');
}
