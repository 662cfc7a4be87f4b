// HMAC-SHA256 webhook signatures in Stripe's scheme (header "t=<seconds>,v1=<hex>" over "<t>.<body>"), with a tolerance on the time.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookSignatureError } from './provider';

export const SIGNATURE_TOLERANCE_S = 300;
const MAX_HEADER_CHARS = 2_000;

export function signPayload(payload: string, secret: string, nowMs: number): string {
  const t = Math.floor(nowMs / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.${payload}`, 'utf8').digest('hex');
  return `t=${t},v1=${v1}`;
}

/** Throws WebhookSignatureError unless one v1 signature matches and its time is within the tolerance of `nowMs`. */
export function verifySignature(rawBody: Buffer, header: string | string[] | undefined, secret: string, nowMs: number): void {
  if (typeof header !== 'string' || header.length === 0 || header.length > MAX_HEADER_CHARS) throw new WebhookSignatureError('missing or malformed signature header');
  const parts = header.split(',').map((p) => p.split('=', 2) as [string, string | undefined]);
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  const sigs = parts.filter(([k, v]) => k === 'v1' && v !== undefined && /^[0-9a-f]{64}$/.test(v)).map(([, v]) => Buffer.from(v!, 'hex'));
  if (!Number.isSafeInteger(t) || sigs.length === 0) throw new WebhookSignatureError('missing or malformed signature header');
  const expected = createHmac('sha256', secret).update(Buffer.concat([Buffer.from(`${t}.`, 'utf8'), rawBody])).digest();
  if (!sigs.some((s) => timingSafeEqual(s, expected))) throw new WebhookSignatureError('the signature does not match the body');
  if (Math.abs(nowMs / 1000 - t) > SIGNATURE_TOLERANCE_S) throw new WebhookSignatureError('the signature is too old or from the future');
}
