// The price commands' options and usage text, and the helpers both commands read them with.
import { readFileSync } from 'node:fs';
import type { parseArgs } from 'node:util';
import { defaultCatalogDocument, parseCatalog } from '../../../shared/catalog/index';
import type { Catalog } from '../../../shared/catalog/schema';
import { flagOf, UNIT_KEYS } from '../../../shared/rules/usage-units';
import { PriceListError } from './decimal';

/** Words joined into lines of at most `width` characters, each indented. */
function wrap(words: string[], width: number, indent: string): string {
  const lines: string[] = [];
  let line = indent;
  for (const w of words) {
    if (line.length + w.length + 1 > width && line.trim() !== '') {
      lines.push(line);
      line = indent;
    }
    line += line.trim() === '' ? w : ` ${w}`;
  }
  return [...lines, line].join('\n');
}

export const PRICE_COMMANDS_USAGE = `
price lists (offline; they read and write catalog files, not a server):
  import-prices --from genai-prices|litellm [--file FILE] --provider P[,P…] [--model M[,M…]]
                --usd-per-credit D [--markup D] [--at ISO] [--tier T] [--catalog FILE] [--out FILE] [--write]
                shows what would change in the catalog; writes it only with --write (to --out, else --catalog)
                [--allow-partial]  import models with a price the catalog cannot charge, that part left out (named)
  price --from genai-prices|litellm [--file FILE] --provider P [--model M] (UNIT FLAGS | --usage-file FILE [--api-flavor F])
        [--at ISO] [--catalog FILE] [--catalog-model ID]
                one usage in dollars as the list computes it and in credits as the catalog charges it
  --file: genai-prices v2 data.json (default: the installed @pydantic/genai-prices), or LiteLLM's
          model_prices_and_context_window.json (required); --model takes ids or patterns with *
  UNIT FLAGS: one per unit a provider bills, e.g. --input-tokens N --output-tokens N --cache-read-tokens N
          --cache-write-tokens N --input-audio-tokens N --output-audio-tokens N --cache-audio-read-tokens N
          --input-image-tokens N --output-image-tokens N --input-video-tokens N --output-reasoning-tokens N
          --web-searches N --input-audio-seconds N --input-document-pages N (every unit: see below)
  --usage-file: the provider's answer as it sent it (JSON), read with genai-prices' extractors for the provider
          (--api-flavor chat|responses|default|…; the model it names is used when --model is not given)
  every unit flag:
${wrap(UNIT_KEYS.map((k) => `--${flagOf(k)}`), 100, '    ')}
`;

export const OPTIONS = {
  from: { type: 'string' }, file: { type: 'string' }, provider: { type: 'string' }, model: { type: 'string' },
  'usd-per-credit': { type: 'string' }, markup: { type: 'string' }, at: { type: 'string' }, tier: { type: 'string' },
  catalog: { type: 'string' }, out: { type: 'string' }, write: { type: 'boolean' }, 'catalog-model': { type: 'string' },
  'usage-file': { type: 'string' }, 'api-flavor': { type: 'string' }, 'allow-partial': { type: 'boolean' },
  ...(Object.fromEntries(UNIT_KEYS.map((k) => [flagOf(k), { type: 'string' }])) as Record<`${string}-${string}`, { type: 'string' }>),
} as const;
export type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

export function need(v: Values, name: keyof Values): string {
  const x = v[name];
  if (typeof x !== 'string' || x === '') throw new PriceListError(`--${name} is required`);
  return x;
}

export function listOf(v: Values): 'genai-prices' | 'litellm' {
  const from = need(v, 'from');
  if (from !== 'genai-prices' && from !== 'litellm') throw new PriceListError(`--from takes genai-prices or litellm, not "${from}"`);
  return from;
}

export function atMsOf(v: Values): number {
  if (v.at === undefined) return Date.now();
  const ms = Date.parse(v.at);
  if (!Number.isFinite(ms)) throw new PriceListError(`--at takes an ISO date or time (2026-11-26 or 2026-11-26T15:00:00Z), not "${v.at}"`);
  return ms;
}

export function loadCatalogFile(file: string | undefined): Catalog {
  if (!file) return parseCatalog(defaultCatalogDocument);
  try {
    return parseCatalog(JSON.parse(readFileSync(file, 'utf8')));
  } catch (e) {
    throw new PriceListError(`cannot read the catalog ${file}: ${(e as Error).message}`);
  }
}

