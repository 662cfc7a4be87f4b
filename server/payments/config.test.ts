// The payment provider's configuration: the test provider by default, Stripe only with its secrets, its API address checked.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseServerConfig } from '../config';
import { providerFromConfig } from './factory';
import { StripePaymentProvider } from './stripe-provider';
import { TestPaymentProvider } from './test-provider';

describe('payments configuration', () => {
  it('uses the embedded test provider by default', () => {
    const c = parseServerConfig([], {});
    expect(c.payments).toEqual({ provider: 'test', publicUrl: undefined, webhookSecret: undefined });
    expect(providerFromConfig(c.payments)).toBeInstanceOf(TestPaymentProvider);
  });

  it('takes Stripe with its secrets from the environment and its API address', () => {
    const env = { STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_WEBHOOK_SECRET: 'whsec_x', STRIPE_API_HOST: '127.0.0.1', STRIPE_API_PORT: '12111', STRIPE_API_PROTOCOL: 'http' };
    const c = parseServerConfig(['--payments', 'stripe', '--public-url', 'https://credits.example.com'], env);
    expect(c.payments).toMatchObject({ provider: 'stripe', secretKey: 'sk_test_x', webhookSecret: 'whsec_x', apiHost: '127.0.0.1', apiPort: 12111, apiProtocol: 'http', publicUrl: 'https://credits.example.com' });
    expect(providerFromConfig(c.payments)).toBeInstanceOf(StripePaymentProvider);
  });

  it('refuses Stripe without secrets, a bad port or protocol, and unknown providers', () => {
    expect(() => parseServerConfig(['--payments', 'stripe'], {})).toThrow(ConfigError);
    const env = { STRIPE_SECRET_KEY: 'sk', STRIPE_WEBHOOK_SECRET: 'wh' };
    expect(() => parseServerConfig(['--payments', 'stripe'], { ...env, STRIPE_API_PORT: '99999' })).toThrow(/STRIPE_API_PORT/);
    expect(() => parseServerConfig(['--payments', 'stripe'], { ...env, STRIPE_API_PROTOCOL: 'ftp' })).toThrow(/STRIPE_API_PROTOCOL/);
    expect(() => parseServerConfig(['--payments', 'paypal'], {})).toThrow(/test or stripe/);
    expect(() => parseServerConfig(['--public-url', 'not a url'], {})).toThrow(/public-url/);
  });
});
