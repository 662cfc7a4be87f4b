// The fuzzer's requests: fast-check arbitraries over every route with wrong types, huge and deep JSON, bad encodings, wrong content types, forged auth and other accounts' ids.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { defaultCatalog } from '../../shared/catalog/index';

/** Who sends a request. Account B never does: the fuzzer checks that nothing of B's changes or shows. */
export type Actor = 'A' | 'A2' | 'admin' | 'none' | 'forged';

/** One request as sent: over HTTP (path and headers may hold raw Latin-1 bytes, i.e. invalid UTF-8), or as raw bytes on a socket. */
export type FuzzRequest =
  | { kind: 'http'; actor: Actor; method: string; path: string; headers: Record<string, string>; body: Buffer | null; route: string }
  | { kind: 'raw'; actor: 'none'; bytes: Buffer; route: string };

/** What the fuzzer knows of the two accounts: A's own things, and B's, which A must never see or change. */
export interface FuzzIds {
  adminToken: string;
  a: { accountId: string; token: string; tokenId: string; spareToken: string; spareTokenId: string; genIds: string[]; keys: string[]; outputNames: string[]; purchaseIds: string[]; trnIds: string[] };
  b: { accountId: string; token: string; tokenIds: string[]; genIds: string[]; keys: string[]; outputNames: string[]; purchaseIds: string[]; trnIds: string[] };
}

type Param = 'genId' | 'accountId' | 'tokenId' | 'key' | 'name' | 'purchaseId' | 'checkoutId' | 'trnId';
type BodyKind = 'generation' | 'account' | 'grant' | 'plan' | 'clock' | 'token' | 'empty' | 'purchase' | 'webhook' | 'checkout' | 'subscription' | 'subscriptionChange' | 'training' | 'spendLimits' | 'autoTopUp';
export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: BodyKind;
  query?: 'ledger' | 'generations' | 'purchases' | 'trainings';
}

/** Every route of the server (the fuzz test checks this against the routes the app registers), and a few that do not exist. */
export const ROUTES: RouteSpec[] = [
  { method: 'GET', path: '/health' },
  { method: 'GET', path: '/v1/catalog' },
  { method: 'GET', path: '/v1/catalog/key' },
  { method: 'GET', path: '/v1/wallet' },
  { method: 'GET', path: '/v1/spend-limits' },
  { method: 'GET', path: '/v1/auto-top-up' },
  { method: 'PUT', path: '/v1/auto-top-up', body: 'autoTopUp' },
  { method: 'POST', path: '/v1/auto-top-up/resume', body: 'empty' },
  { method: 'PUT', path: '/v1/spend-limits', body: 'spendLimits' },
  { method: 'PUT', path: '/admin/accounts/:accountId/spend-limits', body: 'spendLimits' },
  { method: 'GET', path: '/v1/wallet/events' },
  { method: 'GET', path: '/v1/ledger', query: 'ledger' },
  { method: 'POST', path: '/v1/generations', body: 'generation' },
  { method: 'POST', path: '/v1/estimates', body: 'generation' },
  { method: 'GET', path: '/v1/generations', query: 'generations' },
  { method: 'GET', path: '/v1/generations/by-key/:key' },
  { method: 'GET', path: '/v1/generations/:genId' },
  { method: 'POST', path: '/v1/generations/:genId/cancel', body: 'empty' },
  { method: 'GET', path: '/v1/generations/:genId/outputs/:name' },
  { method: 'POST', path: '/v1/trainings', body: 'training' },
  { method: 'GET', path: '/v1/trainings', query: 'trainings' },
  { method: 'GET', path: '/v1/trainings/:trnId' },
  { method: 'POST', path: '/v1/trainings/:trnId/cancel', body: 'empty' },
  { method: 'GET', path: '/v1/trainings/:trnId/model' },
  { method: 'GET', path: '/v1/models' },
  { method: 'GET', path: '/v1/tokens' },
  { method: 'POST', path: '/v1/tokens/:tokenId/revoke', body: 'empty' },
  { method: 'GET', path: '/admin/accounts' },
  { method: 'POST', path: '/admin/accounts', body: 'account' },
  { method: 'GET', path: '/admin/accounts/:accountId/wallet' },
  { method: 'POST', path: '/admin/accounts/:accountId/grants', body: 'grant' },
  { method: 'PUT', path: '/admin/accounts/:accountId/plan', body: 'plan' },
  { method: 'GET', path: '/admin/accounts/:accountId/tokens' },
  { method: 'POST', path: '/admin/accounts/:accountId/tokens', body: 'token' },
  { method: 'POST', path: '/admin/accounts/:accountId/tokens/:tokenId/revoke', body: 'empty' },
  { method: 'POST', path: '/admin/clock', body: 'clock' },
  { method: 'POST', path: '/v1/purchases', body: 'purchase' },
  { method: 'GET', path: '/v1/purchases', query: 'purchases' },
  { method: 'GET', path: '/v1/purchases/:purchaseId' },
  { method: 'POST', path: '/v1/payments/webhook', body: 'webhook' },
  // the test provider's checkout page: anyone with its link may pay, so the fuzzer pays only A's
  { method: 'GET', path: '/checkout/test/:checkoutId' },
  // the return page reads nothing and repeats only the id in its own URL (into the app's link): B's ids would be flagged as shown
  { method: 'GET', path: '/checkout/return/:checkoutId' },
  { method: 'POST', path: '/checkout/test/:checkoutId', body: 'checkout' },
  { method: 'GET', path: '/v1/subscription' },
  { method: 'POST', path: '/v1/subscription', body: 'subscription' },
  { method: 'POST', path: '/v1/subscription/cancel', body: 'empty' },
  { method: 'POST', path: '/v1/subscription/resume', body: 'empty' },
  { method: 'POST', path: '/v1/subscription/change', body: 'subscriptionChange' },
  { method: 'POST', path: '/admin/accounts/:accountId/subscription/renew', body: 'empty' },
  { method: 'POST', path: '/admin/accounts/:accountId/subscription/end', body: 'empty' },
];
const NOT_ROUTES = ['/', '/v1', '/v1/nothing', '/admin', '/admin/nothing', '//v1/wallet', '/v1/wallet/', '/V1/WALLET', '/v1/../admin/accounts', '/v1/%2e%2e/admin/accounts', '/health/..', '/v1/generations/by-key'];

/**
 * Any code point, surrogates included (so lone surrogates too). Not fast-check's unit 'binary': it builds a reverse map of all
 * 1.1 million code points on first use, which costs seconds.
 */
const anyCodePoint = fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x80, max: 0xffff }), fc.integer({ min: 0x10000, max: 0x10ffff })).map((c) => String.fromCodePoint(c));
const anyString = (maxLength: number) => fc.string({ maxLength, unit: anyCodePoint });

const sha256 = (t: string) => createHash('sha256').update(t).digest('hex');

/** Arbitraries are built once and drawn from many times: building them (stringMatching compiles its regex) costs far more than drawing. */
function memo<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let v = cache.get(key);
  if (v === undefined) cache.set(key, (v = make()));
  return v;
}

/** Percent-encodes the UTF-8 of a string (a lone surrogate becomes U+FFFD, as Buffer does). */
const pct = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
/** Keeps Latin-1 characters raw (bytes 0x80-0xff on the wire: invalid UTF-8) and escapes what HTTP or the URL would not carry. */
const rawish = (s: string) => [...s].map((c) => (c.charCodeAt(0) >= 0x21 && c.charCodeAt(0) <= 0xff && !'?#%/'.includes(c) && c !== '\u007f' ? c : pct(c))).join('');

export const junkSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('%00', 'a%00b', '%ED%A0%80', '%ED%B0%80', '%FF', '%C0%80', '%E0%A4%A', '%', '%%', '%zz', '..', '%2e%2e', '..%2F..%2Fadmin', '%2F', '\u00ff\u00fe', '\u00c3\u0028', '', ' ', 'null', 'undefined', '__proto__', 'constructor', '-1', '0', '1e999'),
  anyString(30).map(pct),
  anyString(30).map(rawish),
  fc.uint8Array({ maxLength: 40 }).map((b) => [...b].map((x) => `%${x.toString(16).padStart(2, '0')}`).join('')),
  fc.constantFrom(81, 300, 2_000, 9_000, 20_000).map((n) => 'x'.repeat(n)),
);

const paramCache = new Map<string, fc.Arbitrary<string>>();
function paramArb(p: Param, ids: FuzzIds, actor: Actor): fc.Arbitrary<string> {
  return memo(paramCache, `${p} ${actor === 'admin'} ${ids.a.token}`, () => makeParamArb(p, ids, actor));
}

function makeParamArb(p: Param, ids: FuzzIds, actor: Actor): fc.Arbitrary<string> {
  // the operator's requests never name B: they would change B legitimately, and B must stay as it was
  const bIf = (xs: string[]) => (actor === 'admin' ? [] : xs);
  const known = (xs: string[]) => (xs.length > 0 ? [fc.constantFrom(...xs)] : []);
  switch (p) {
    case 'genId':
      return fc.oneof(...known([...ids.a.genIds, ...ids.b.genIds]), fc.stringMatching(/^gen_[A-Za-z0-9_-]{1,40}$/), junkSegment);
    case 'accountId':
      return fc.oneof(...known([ids.a.accountId, 'nobody', ...bIf([ids.b.accountId])]), fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,62}$/).filter((x) => x !== ids.b.accountId), junkSegment);
    case 'tokenId':
      // A's main token is never revoked, so that the run keeps an account to speak for
      return fc.oneof(...known([ids.a.spareTokenId, ...ids.b.tokenIds]), fc.stringMatching(/^tok_[A-Za-z0-9_-]{1,40}$/), junkSegment);
    case 'key':
      return fc.oneof(...known([...ids.a.keys, ...ids.b.keys]), fc.stringMatching(/^[A-Za-z0-9_.:-]{8,128}$/), junkSegment);
    case 'name':
      return fc.oneof(...known([...ids.a.outputNames, ...ids.b.outputNames]), fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,80}$/), junkSegment);
    case 'purchaseId':
      return fc.oneof(...known([...ids.a.purchaseIds, ...ids.b.purchaseIds]), fc.stringMatching(/^pur_[A-Za-z0-9_-]{1,40}$/), junkSegment);
    case 'checkoutId':
      return fc.oneof(...known(ids.a.purchaseIds), fc.stringMatching(/^pur_[A-Za-z0-9_-]{1,40}$/), junkSegment);
    case 'trnId':
      return fc.oneof(...known([...ids.a.trnIds, ...ids.b.trnIds]), fc.stringMatching(/^trn_[A-Za-z0-9_-]{1,40}$/), junkSegment);
  }
}

export function pathArb(route: RouteSpec, ids: FuzzIds, actor: Actor): fc.Arbitrary<string> {
  const parts = route.path.split('/').map((seg) => (seg.startsWith(':') ? paramArb(seg.slice(1) as Param, ids, actor) : fc.constant(seg)));
  return fc.tuple(...parts).map((segs) => segs.join('/'));
}

const numberish = fc.oneof(fc.integer({ min: -5, max: 2_000 }).map(String), fc.constantFrom('', 'abc', '1.5', '1e3', '0x10', '-0', 'NaN', 'Infinity', '99999999999999999999', '%00', '%FF', '1%00'));
const queryCache = new Map<string, fc.Arbitrary<string>>();
export function queryArb(route: RouteSpec): fc.Arbitrary<string> {
  return memo(queryCache, route.query ?? '-', () => makeQueryArb(route));
}

function makeQueryArb(route: RouteSpec): fc.Arbitrary<string> {
  const key = fc.oneof(fc.constantFrom('after', 'limit', 'cursor', 'sneaky', '__proto__', 'constructor', 'after[]', 'limit[a]'), junkSegment);
  const value = fc.oneof(numberish, fc.base64String({ maxLength: 60 }).map((b) => b.replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', '')), junkSegment);
  const pairs = fc.array(fc.tuple(key, value), { maxLength: 4 }).map((kv) => kv.map(([k, v]) => `${k}=${v}`).join('&'));
  const valid = route.query === 'ledger' ? fc.tuple(numberish, numberish).map(([a, l]) => `after=${a}&limit=${l}`) : fc.tuple(numberish, fc.option(junkSegment)).map(([l, c]) => `limit=${l}${c === null ? '' : `&cursor=${c}`}`);
  return fc.oneof({ arbitrary: fc.constant(''), weight: route.query ? 2 : 8 }, { arbitrary: route.query ? valid : pairs, weight: 3 }, { arbitrary: pairs, weight: 1 });
}

/** Strings that matter here: NUL, lone surrogates, control and bidi characters, long ones, and random full Unicode. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', 'a\u0000b', '\u0000', 'x\ud800', '\udc00y', '\udc00\ud800', '😀', '\u202e', '\ufeff', "'; drop table accounts; --", '${x}', '%00', '\\u0000', 'null', ' '.repeat(100)),
  anyString(40),
  fc.constantFrom(1_000, 20_001, 100_000, 100_001).map((n) => 'p'.repeat(n)),
);
const wrongType: fc.Arbitrary<unknown> = fc.oneof(fc.constantFrom(null, true, 0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, '', '1', [], {}, [1], { a: 1 }), nastyString, fc.jsonValue({ maxDepth: 3 }));
const modelIds = defaultCatalog.models.map((m) => m.id);
const planIds = defaultCatalog.plans.map((p) => p.id);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

/** A PNG and a JPEG by their first bytes, a GIF, text, and base64 that is not */
const TRAINING_IMAGES = [
  Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(40, 7)]).toString('base64'),
  Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(40, 9)]).toString('base64'),
  Buffer.from('GIF89a and then some more bytes').toString('base64'),
  Buffer.from('plain text').toString('base64'),
  'not base64!',
  '',
];

const templateCache = new Map<string, fc.Arbitrary<Record<string, unknown>>>();
/** A body of the route's shape; `nastyWeight` in 4 of its strings are nasty ones rather than valid ones. */
export function templateArb(kind: BodyKind, nastyWeight = 1): fc.Arbitrary<Record<string, unknown>> {
  return memo(templateCache, `${kind} ${nastyWeight}`, () => makeTemplateArb(kind, nastyWeight));
}

function makeTemplateArb(kind: BodyKind, nastyWeight: number): fc.Arbitrary<Record<string, unknown>> {
  // ids are nasty one time in four; free text (prompts, names, notes, labels) `nastyWeight` times in four
  const str = (valid: string[]) => fc.oneof({ arbitrary: fc.constantFrom(...valid), weight: 3 }, { arbitrary: nastyString, weight: 1 });
  const text = (valid: string[]) => fc.oneof({ arbitrary: fc.constantFrom(...valid), weight: 4 - nastyWeight }, { arbitrary: nastyString, weight: nastyWeight });
  switch (kind) {
    case 'generation': {
      // a model and a prompt make a valid run of most models; one of the meter-specific fields joins now and then
      const extra = fc.oneof(
        { arbitrary: fc.constant({}), weight: 6 },
        fc.record({ maxOutputTokens: fc.integer({ min: -1, max: 10_000 }) }), fc.record({ count: fc.integer({ min: 0, max: 20 }) }), fc.record({ resolutionId: str(['1024', '2048', '512']) }),
        fc.record({ modeId: str(['fast', 'relax', 'turbo', 'standard']) }), fc.record({ seconds: fc.integer({ min: 0, max: 20 }) }), fc.record({ trainingImages: fc.integer({ min: 0, max: 40 }) }), fc.record({ workflowId: str(['storyboard-4-panel']) }),
      );
      const prompt = text(['a cat', 'a dog [fail]', '[partial] birds']);
      return fc.record({
        request: fc.tuple(str(modelIds), prompt, extra).map(([modelId, p, more]) => ({ modelId, prompt: p, ...more })),
        // mostly enough to cover any estimate, so that the request reaches the hold and the insert
        approvedMc: fc.oneof({ arbitrary: fc.constant(50_000_000), weight: 3 }, fc.integer({ min: 0, max: 10_000_000 }), fc.constantFrom(-1, 1.5, Number.MAX_SAFE_INTEGER, 2 ** 60)),
      });
    }
    case 'account':
      return fc.record({ id: maybe(fc.oneof(fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,62}$/).filter((x) => !x.startsWith('fuzz-b')), nastyString)), displayName: text(['Fuzzy']), planId: maybe(str(planIds)) }, { requiredKeys: ['displayName'] });
    case 'grant':
      return fc.record({ kind: maybe(str(['bonus', 'adjustment', 'pack', 'subscription', 'trial'])), credits: str(['1', '25', '9.8', '0.001', '-1', '0', '1e9', 'abc', '99999999999999999999', '1000000']), expiresAtMs: maybe(fc.oneof(fc.constant(null), fc.integer({ min: -1, max: 2 ** 52 }))), paid: maybe(fc.boolean()), note: maybe(text(['a note'])) }, { requiredKeys: ['credits'] });
    case 'plan':
      return fc.record({ planId: str(planIds), period: maybe(str(['weekly', 'monthly', 'yearly', 'daily'])) });
    case 'subscription':
      return fc.record({ planId: str(planIds), period: str(['weekly', 'monthly', 'yearly', 'daily']), country: str(['US', 'fr', 'RU', 'XX']) });
    case 'subscriptionChange':
      return fc.record({ planId: str(planIds), period: str(['weekly', 'monthly', 'yearly']) });
    case 'clock':
      return fc.record({ advanceMs: maybe(fc.integer({ min: -1, max: 2 ** 40 })), setMs: maybe(fc.integer({ min: -1, max: 2 ** 53 })) });
    case 'token':
      return fc.record({ label: maybe(text(['fuzz'])) });
    case 'training': {
      // images: valid ones (by their first bytes), other types, bad base64, empty; a few of them, or none, or too many
      const image = fc.record({ fileName: maybe(text(['a.png'])), dataBase64: fc.oneof(fc.constantFrom(...TRAINING_IMAGES), nastyString) }, { requiredKeys: ['dataBase64'] });
      const imageList = fc.oneof({ arbitrary: fc.array(image, { maxLength: 3 }), weight: 4 }, fc.constant(Array.from({ length: 31 }, (_, i) => ({ dataBase64: TRAINING_IMAGES[i % 2] }))));
      return fc.record({ name: text(['my face']), images: imageList, modelId: maybe(str(['ai-photos-train', 'flux-schnell'])), approvedMc: maybe(fc.oneof(fc.constant(200_000), fc.integer({ min: -1, max: 10_000_000 }))) }, { requiredKeys: ['name', 'images'] });
    }
    case 'spendLimits': {
      const limit = fc.record({ window: str(['day', 'week', 'month', 'hour']), scope: maybe(fc.oneof(fc.constant({ kind: 'all' }), fc.record({ kind: fc.constant('model'), modelId: str(modelIds) }), fc.record({ kind: fc.constant('modality'), modality: str(['image', 'video', 'smell']) }))), limitMc: fc.oneof(fc.integer({ min: -1, max: 200_000_000_000 }), fc.constant(1.5)) }, { requiredKeys: ['window', 'limitMc'] });
      return fc.record({ limits: fc.array(limit, { maxLength: 4 }) });
    }
    case 'autoTopUp':
      return fc.record({ enabled: fc.boolean(), packId: str(defaultCatalog.packs.map((p) => p.id)), thresholdMc: fc.integer({ min: -1, max: 200_000_000_000 }), cap: fc.oneof(fc.record({ kind: fc.constant('count'), count: fc.integer({ min: 0, max: 40 }) }), fc.record({ kind: fc.constant('amount'), amountMinor: fc.integer({ min: 0, max: 20_000 }), currency: str(['USD', 'EUR']) })), country: str(['US', 'de', 'KP']) }, { requiredKeys: ['enabled', 'packId', 'thresholdMc'] });
    case 'empty':
      return fc.constant({});
    case 'purchase':
      return fc.record({ packId: str(defaultCatalog.packs.map((p) => p.id)), country: str(['US', 'de', 'RU', 'KP', 'XX', 'usa', '']) });
    case 'webhook':
      // unsigned or wrongly signed events: every one must be refused with a 400 and change nothing
      return fc.record({ kind: str(['payment_succeeded', 'refunded', 'disputed', 'invoice_paid']), eventId: str(['evt_1']), purchaseId: str(['pur_x']), paymentId: str(['pi_1']), billingCountry: str(['US', 'RU']) });
    case 'checkout':
      return fc.record({ action: str(['pay', 'pay_with_authentication', 'authenticate', 'decline', 'cancel', 'refund']), billingCountry: maybe(str(['US', 'RU', 'de'])) });
  }
}

/** A valid-looking body with, often, one thing wrong: a field of the wrong type, an extra or missing key, or the whole wrapped. */
export function mutatedBody(kind: BodyKind, nastyWeight = 1): fc.Arbitrary<unknown> {
  return fc.tuple(templateArb(kind, nastyWeight), fc.integer({ min: 0, max: 9 }), fc.string({ maxLength: 12 }), wrongType).map(([body, how, key, value]) => {
    const keys = Object.keys(body);
    const k = keys.length > 0 ? keys[key.length % keys.length]! : key;
    if (how === 0) return { ...body, [k]: value };
    if (how === 1) return { ...body, [key || 'extra']: value };
    if (how === 2) return Object.fromEntries(Object.entries(body).filter(([x]) => x !== k));
    if (how === 3) return [body];
    if (how === 4 && kind === 'generation') return { ...body, request: { ...(body.request as object), [key || 'extra']: value } };
    return body;
  });
}

/** Large bodies are made once and shared: drawing a fresh 200 KB string for each request would cost more than sending it. */
const BIG_BODIES: Buffer[] = [
  ...[10, 100, 1_000, 10_000, 30_000].flatMap((n) => ['['.repeat(n) + ']'.repeat(n), '{"a":'.repeat(n) + '1' + '}'.repeat(n)]),
  ...[60_000, 70_000, 200_000].map((n) => JSON.stringify({ request: { modelId: 'gpt-4o', prompt: 'x'.repeat(n) }, approvedMc: 1 })),
].map((t) => Buffer.from(t));
const SMALL_BAD_JSON: Buffer[] = ['', 'null', 'true', '0', '"x"', 'not json', '{', '{"a":', '{"a":1,}', "{'a':1}", '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '\ufeff{}', '{"a":"\u0000"}', '{"a":"\\ud800"}', '{}{}', '[]'].map((t) => Buffer.from(t, 'utf8'));
const BAD_UTF8: Buffer[] = [[0xff, 0xfe], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]].map((b) => Buffer.concat([Buffer.from('{"displayName":"a'), Buffer.from(b), Buffer.from('"}')]));

/** JSON text with something wrong in its bytes, syntax, depth or size. */
export const badJsonText: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom(...SMALL_BAD_JSON),
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.constantFrom('{"request":{"modelId":"flux-schnell","prompt":"', '{"displayName":"', '{"label":"', '{"planId":"')).map(([bytes, head]) => Buffer.concat([Buffer.from(head), Buffer.from(bytes), Buffer.from('"}}')])),
  fc.constantFrom(...BAD_UTF8),
  fc.constantFrom(...BIG_BODIES),
);

const bodyCache = new Map<string, fc.Arbitrary<Buffer | null>>();
export function bodyArb(route: RouteSpec): fc.Arbitrary<Buffer | null> {
  return memo(bodyCache, route.body ?? '-', () => makeBodyArb(route));
}

function makeBodyArb(route: RouteSpec): fc.Arbitrary<Buffer | null> {
  const kind = route.body ?? 'empty';
  return fc.oneof(
    { arbitrary: fc.constant(null), weight: route.body ? 1 : 6 },
    { arbitrary: templateArb(kind).map((b) => Buffer.from(JSON.stringify(b))), weight: route.body ? 3 : 1 },
    { arbitrary: mutatedBody(kind).map((b) => Buffer.from(JSON.stringify(b))), weight: route.body ? 4 : 1 },
    { arbitrary: fc.jsonValue({ maxDepth: 4 }).map((b) => Buffer.from(JSON.stringify(b))), weight: 1 },
    { arbitrary: badJsonText, weight: 2 },
  );
}

const contentTypes = ['application/json; charset=utf-8', 'application/json; charset=latin1', 'APPLICATION/JSON', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', '', 'application/json, text/plain', 'application/jsonx', 'application/json;', ';;;', 'application/merge-patch+json', 'a'.repeat(2_000), 'application/json; charset=\u00ff'];
const contentTypeArb = fc.oneof({ arbitrary: fc.constant('application/json'), weight: 8 }, { arbitrary: fc.constant(null), weight: 1 }, { arbitrary: fc.constantFrom(...contentTypes), weight: 3 });

const authCache = new Map<string, fc.Arbitrary<string | null>>();
function authArb(actor: Actor, ids: FuzzIds, adminRoute: boolean): fc.Arbitrary<string | null> {
  return memo(authCache, `${actor} ${adminRoute} ${ids.a.token}`, () => makeAuthArb(actor, ids, adminRoute));
}

function makeAuthArb(actor: Actor, ids: FuzzIds, adminRoute: boolean): fc.Arbitrary<string | null> {
  const bearer = (t: string) => `Bearer ${t}`;
  switch (actor) {
    case 'A':
      return fc.constant(bearer(ids.a.token));
    case 'A2':
      return fc.constant(bearer(ids.a.spareToken));
    case 'admin':
      return fc.constant(bearer(ids.adminToken));
    case 'none':
      return fc.constant(null);
    case 'forged': {
      const b = ids.b.token;
      return fc.constantFrom(
        '', 'Bearer', 'Bearer ', 'Bearer cdk_forged', `bearer ${ids.a.token}`, `Basic ${Buffer.from('a:b').toString('base64')}`, bearer(`${ids.a.token}x`), bearer(`${b.slice(0, -1)}${b.endsWith('A') ? 'B' : 'A'}`),
        bearer(sha256(b)), bearer(ids.b.tokenIds[0]!), bearer(ids.b.accountId), bearer(ids.adminToken.slice(0, -1)), bearer('x'.repeat(5_000)), bearer('\u00ff\u00fe'), `${bearer(ids.a.token)}, ${bearer(b.slice(1))}`, `Bearer\t${ids.a.token.slice(1)}`,
        // the right token on the wrong side: the operator's on account routes, an account's on operator routes
        adminRoute ? bearer(ids.a.token) : bearer(ids.adminToken),
      );
    }
  }
}

const idempotencyArb = (ids: FuzzIds) =>
  fc.oneof(
    { arbitrary: fc.uuid().map((u) => `fuzz-${u}`), weight: 6 },
    { arbitrary: fc.constantFrom('fuzz-shared-key-1', 'fuzz-shared-key-2', 'fuzz-shared-key-3', ...ids.a.keys, ...ids.b.keys), weight: 3 },
    { arbitrary: fc.constantFrom('short', 'has space in it', 'x'.repeat(200), 'key-\u00ff\u00fe-latin1', 'key/with/slash'), weight: 1 },
    { arbitrary: fc.constant(null), weight: 1 },
  );

export const extraHeaders = fc.record(
  { 'last-event-id': fc.oneof(fc.nat().map(String), junkSegment), 'if-none-match': fc.oneof(fc.constant('*'), fc.string({ maxLength: 60 }).map(rawish)), accept: fc.constantFrom('text/event-stream', 'application/json', '*/*', 'text/html'), 'x-request-id': fc.string({ maxLength: 40 }).map(rawish) },
  { requiredKeys: [] },
);

const actorArb = fc.constantFrom<Actor>('A', 'A', 'A', 'A', 'A', 'A', 'A2', 'admin', 'admin', 'admin', 'none', 'forged', 'forged', 'forged', 'forged');
const routeArb = fc.oneof({ arbitrary: fc.constantFrom(...ROUTES), weight: 12 }, { arbitrary: fc.constantFrom(...NOT_ROUTES).map((path): RouteSpec => ({ method: 'GET', path })), weight: 1 });


function httpRequestArb(ids: FuzzIds): fc.Arbitrary<FuzzRequest> {
  const cache = new Map<string, fc.Arbitrary<FuzzRequest>>();
  const key = idempotencyArb(ids);
  return fc.tuple(actorArb, routeArb, fc.integer({ min: 0, max: 19 })).chain(([chosen, route, methodDice]) => {
    // the operator's token never moves the test clock: a new day would change B's wallet (its daily credits) by itself
    const actor: Actor = chosen === 'admin' && route.path === '/admin/clock' ? 'forged' : chosen;
    const method = methodDice === 0 ? 'GET' : methodDice === 1 ? 'POST' : methodDice === 2 ? 'PUT' : route.method;
    return memo(cache, `${method} ${route.method} ${route.path} ${actor}`, () =>
      fc.record({ path: pathArb(route, ids, actor), query: queryArb(route), auth: authArb(actor, ids, route.path.startsWith('/admin')), key, body: bodyArb(route), type: contentTypeArb, extra: extraHeaders }).map((r): FuzzRequest => {
        const headers: Record<string, string> = { ...(r.extra as Record<string, string>) };
        if (r.auth !== null) headers.authorization = r.auth;
        if (r.key !== null && method !== 'GET') headers['idempotency-key'] = r.key;
        if (r.body !== null && r.type !== null) headers['content-type'] = r.type;
        return { kind: 'http', actor, method, path: r.query ? `${r.path}?${r.query}` : r.path, headers, body: r.body, route: `${route.method} ${route.path}` };
      }),
    );
  });
}

/**
 * A request that gets past auth, method, key and content type: the right actor for its route, and a body of the route's shape
 * with nasty strings or one wrong field in it. These reach the schemas, the handlers and the database, where 500s hide.
 */
function wellFormedArb(ids: FuzzIds): fc.Arbitrary<FuzzRequest> {
  const cache = new Map<string, fc.Arbitrary<FuzzRequest>>();
  const key = fc.uuid().map((u) => `fuzz-${u}`);
  return fc.constantFrom(...ROUTES).chain((route) => {
    // the operator's token never moves the test clock (see above): there, A asks and is refused
    const actor: Actor = route.path.startsWith('/admin') && route.path !== '/admin/clock' ? 'admin' : 'A';
    return memo(cache, `${route.method} ${route.path}`, () => {
      const body: fc.Arbitrary<unknown> = route.body ? fc.oneof(templateArb(route.body, 2), mutatedBody(route.body, 2)) : fc.constant(null);
      return fc.record({ path: pathArb(route, ids, actor), query: route.query ? queryArb(route) : fc.constant(''), key, body }).map((r): FuzzRequest => {
        const headers: Record<string, string> = { authorization: `Bearer ${actor === 'admin' ? ids.adminToken : ids.a.token}` };
        if (route.method !== 'GET') headers['idempotency-key'] = r.key;
        if (r.body !== null) headers['content-type'] = 'application/json';
        return { kind: 'http', actor, method: route.method, path: r.query ? `${r.path}?${r.query}` : r.path, headers, body: r.body === null ? null : Buffer.from(JSON.stringify(r.body)), route: `${route.method} ${route.path}` };
      });
    });
  });
}

/** Requests that the HTTP client would refuse to write: broken framing, bad header names and bytes, oversized headers. */
const rawRequestArb: fc.Arbitrary<FuzzRequest> = fc
  .constantFrom(
    'GET /health HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n',
    'POST /v1/generations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}',
    'POST /admin/accounts HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n{}',
    'POST /admin/accounts HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
    'POST /admin/accounts HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n0\r\n\r\n',
    'GARBAGE\r\n\r\n',
    'GET /health HTTP/9.9\r\nHost: x\r\n\r\n',
    'GET /v1/\u0001wallet HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /health HTTP/1.1\r\nHost: x\r\nX-Nul: a\u0000b\r\n\r\n',
    `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(20_000)}\r\n\r\n`,
    'GET /v1/wallet HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \u00ff\u00fe\r\n\r\n',
    'GET /health HTTP/1.1\r\nHost: x\r\n Folded: header\r\n\r\n',
  )
  .map((text): FuzzRequest => ({ kind: 'raw', actor: 'none', bytes: Buffer.from(text, 'latin1'), route: 'raw' }));

export function fuzzRequestArb(ids: FuzzIds): fc.Arbitrary<FuzzRequest> {
  return fc.oneof({ arbitrary: httpRequestArb(ids), weight: 50 }, { arbitrary: wellFormedArb(ids), weight: 50 }, { arbitrary: rawRequestArb, weight: 1 });
}
