// The units a provider bills (tokens by direction, modality and kind; seconds, pages, characters, searches, requests) as genai-prices' unit registry names them, and how they nest.

/** One unit: the price-list key that prices it, how many units that price is for, and the dimensions that place it among the others. */
export interface UnitDef {
  readonly priceKey: string;
  readonly per: number;
  readonly dims: Readonly<Record<string, string>>;
}

/**
 * genai-prices' registry (@pydantic/genai-prices 0.1.x). A unit whose dimensions include another's is part of it: input_audio_tokens
 * are input_tokens too, and cache_audio_read_tokens are both cache_read_tokens and input_audio_tokens (their join).
 * `server/catalog/import/units.test.ts` checks every entry against the package's own arithmetic.
 */
export const USAGE_UNITS = {
  audio_seconds: { priceKey: 'audio_hours', per: 3_600, dims: { family: 'durations', modality: 'audio' } },
  cache_audio_read_tokens: { priceKey: 'cache_audio_read_mtok', per: 1_000_000, dims: { direction: 'input', family: 'tokens', modality: 'audio', token_type: 'cache_read' } },
  cache_audio_write_1h_tokens: { priceKey: 'cache_audio_write_1h_mtok', per: 1_000_000, dims: { cache_ttl: '1h', direction: 'input', family: 'tokens', modality: 'audio', token_type: 'cache_write' } },
  cache_audio_write_5m_tokens: { priceKey: 'cache_audio_write_5m_mtok', per: 1_000_000, dims: { cache_ttl: '5m', direction: 'input', family: 'tokens', modality: 'audio', token_type: 'cache_write' } },
  cache_audio_write_tokens: { priceKey: 'cache_audio_write_mtok', per: 1_000_000, dims: { direction: 'input', family: 'tokens', modality: 'audio', token_type: 'cache_write' } },
  cache_image_read_tokens: { priceKey: 'cache_image_read_mtok', per: 1_000_000, dims: { direction: 'input', family: 'tokens', modality: 'image', token_type: 'cache_read' } },
  cache_image_write_1h_tokens: { priceKey: 'cache_image_write_1h_mtok', per: 1_000_000, dims: { cache_ttl: '1h', direction: 'input', family: 'tokens', modality: 'image', token_type: 'cache_write' } },
  cache_image_write_5m_tokens: { priceKey: 'cache_image_write_5m_mtok', per: 1_000_000, dims: { cache_ttl: '5m', direction: 'input', family: 'tokens', modality: 'image', token_type: 'cache_write' } },
  cache_image_write_tokens: { priceKey: 'cache_image_write_mtok', per: 1_000_000, dims: { direction: 'input', family: 'tokens', modality: 'image', token_type: 'cache_write' } },
  cache_read_tokens: { priceKey: 'cache_read_mtok', per: 1_000_000, dims: { direction: 'input', family: 'tokens', token_type: 'cache_read' } },
  cache_text_read_tokens: { priceKey: 'cache_text_read_mtok', per: 1_000_000, dims: { direction: 'input', family: 'tokens', modality: 'text', token_type: 'cache_read' } },
  cache_text_write_1h_tokens: { priceKey: 'cache_text_write_1h_mtok', per: 1_000_000, dims: { cache_ttl: '1h', direction: 'input', family: 'tokens', modality: 'text', token_type: 'cache_write' } },
  cache_text_write_5m_tokens: { priceKey: 'cache_text_write_5m_mtok', per: 1_000_000, dims: { cache_ttl: '5m', direction: 'input', family: 'tokens', modality: 'text', token_type: 'cache_write' } },
  cache_text_write_tokens: { priceKey: 'cache_text_write_mtok', per: 1_000_000, dims: { direction: 'input', family: 'tokens', modality: 'text', token_type: 'cache_write' } },
  cache_video_read_tokens: { priceKey: 'cache_video_read_mtok', per: 1_000_000, dims: { direction: 'input', family: 'tokens', modality: 'video', token_type: 'cache_read' } },
  cache_video_write_1h_tokens: { priceKey: 'cache_video_write_1h_mtok', per: 1_000_000, dims: { cache_ttl: '1h', direction: 'input', family: 'tokens', modality: 'video', token_type: 'cache_write' } },
  cache_video_write_5m_tokens: { priceKey: 'cache_video_write_5m_mtok', per: 1_000_000, dims: { cache_ttl: '5m', direction: 'input', family: 'tokens', modality: 'video', token_type: 'cache_write' } },
  cache_video_write_tokens: { priceKey: 'cache_video_write_mtok', per: 1_000_000, dims: { direction: 'input', family: 'tokens', modality: 'video', token_type: 'cache_write' } },
  cache_write_1h_tokens: { priceKey: 'cache_write_1h_mtok', per: 1_000_000, dims: { cache_ttl: '1h', direction: 'input', family: 'tokens', token_type: 'cache_write' } },
  cache_write_5m_tokens: { priceKey: 'cache_write_5m_mtok', per: 1_000_000, dims: { cache_ttl: '5m', direction: 'input', family: 'tokens', token_type: 'cache_write' } },
  cache_write_tokens: { priceKey: 'cache_write_mtok', per: 1_000_000, dims: { direction: 'input', family: 'tokens', token_type: 'cache_write' } },
  code_executions: { priceKey: 'code_executions_kcount', per: 1_000, dims: { family: 'tool_calls', tool_type: 'code_execution' } },
  input_annotated_document_pages: { priceKey: 'input_annotated_document_kpages', per: 1_000, dims: { direction: 'input', family: 'document_pages', page_type: 'annotated' } },
  input_audio_seconds: { priceKey: 'input_audio_hours', per: 3_600, dims: { direction: 'input', family: 'durations', modality: 'audio' } },
  input_audio_tokens: { priceKey: 'input_audio_mtok', per: 1_000_000, dims: { direction: 'input', family: 'tokens', modality: 'audio' } },
  input_audio_tool_tokens: { priceKey: 'input_audio_tool_mtok', per: 1_000_000, dims: { direction: 'input', family: 'tokens', modality: 'audio', token_type: 'tool' } },
  input_characters: { priceKey: 'input_mchars', per: 1_000_000, dims: { direction: 'input', family: 'characters' } },
  input_document_pages: { priceKey: 'input_document_kpages', per: 1_000, dims: { direction: 'input', family: 'document_pages' } },
  input_image_tokens: { priceKey: 'input_image_mtok', per: 1_000_000, dims: { direction: 'input', family: 'tokens', modality: 'image' } },
  input_image_tool_tokens: { priceKey: 'input_image_tool_mtok', per: 1_000_000, dims: { direction: 'input', family: 'tokens', modality: 'image', token_type: 'tool' } },
  input_pixels: { priceKey: 'input_gpixels', per: 1_000_000_000, dims: { direction: 'input', family: 'pixels' } },
  input_text_messages: { priceKey: 'input_text_messages_kcount', per: 1_000, dims: { direction: 'input', family: 'messages', modality: 'text' } },
  input_text_tokens: { priceKey: 'input_text_mtok', per: 1_000_000, dims: { direction: 'input', family: 'tokens', modality: 'text' } },
  input_text_tool_tokens: { priceKey: 'input_text_tool_mtok', per: 1_000_000, dims: { direction: 'input', family: 'tokens', modality: 'text', token_type: 'tool' } },
  input_tokens: { priceKey: 'input_mtok', per: 1_000_000, dims: { direction: 'input', family: 'tokens' } },
  input_tool_tokens: { priceKey: 'input_tool_mtok', per: 1_000_000, dims: { direction: 'input', family: 'tokens', token_type: 'tool' } },
  input_video_tokens: { priceKey: 'input_video_mtok', per: 1_000_000, dims: { direction: 'input', family: 'tokens', modality: 'video' } },
  input_video_tool_tokens: { priceKey: 'input_video_tool_mtok', per: 1_000_000, dims: { direction: 'input', family: 'tokens', modality: 'video', token_type: 'tool' } },
  output_audio_citation_tokens: { priceKey: 'output_audio_citation_mtok', per: 1_000_000, dims: { direction: 'output', family: 'tokens', modality: 'audio', token_type: 'citation' } },
  output_audio_reasoning_tokens: { priceKey: 'output_audio_reasoning_mtok', per: 1_000_000, dims: { direction: 'output', family: 'tokens', modality: 'audio', token_type: 'reasoning' } },
  output_audio_seconds: { priceKey: 'output_audio_hours', per: 3_600, dims: { direction: 'output', family: 'durations', modality: 'audio' } },
  output_audio_tokens: { priceKey: 'output_audio_mtok', per: 1_000_000, dims: { direction: 'output', family: 'tokens', modality: 'audio' } },
  output_citation_tokens: { priceKey: 'output_citation_mtok', per: 1_000_000, dims: { direction: 'output', family: 'tokens', token_type: 'citation' } },
  output_image_citation_tokens: { priceKey: 'output_image_citation_mtok', per: 1_000_000, dims: { direction: 'output', family: 'tokens', modality: 'image', token_type: 'citation' } },
  output_image_reasoning_tokens: { priceKey: 'output_image_reasoning_mtok', per: 1_000_000, dims: { direction: 'output', family: 'tokens', modality: 'image', token_type: 'reasoning' } },
  output_image_tokens: { priceKey: 'output_image_mtok', per: 1_000_000, dims: { direction: 'output', family: 'tokens', modality: 'image' } },
  output_reasoning_tokens: { priceKey: 'output_reasoning_mtok', per: 1_000_000, dims: { direction: 'output', family: 'tokens', token_type: 'reasoning' } },
  output_text_citation_tokens: { priceKey: 'output_text_citation_mtok', per: 1_000_000, dims: { direction: 'output', family: 'tokens', modality: 'text', token_type: 'citation' } },
  output_text_reasoning_tokens: { priceKey: 'output_text_reasoning_mtok', per: 1_000_000, dims: { direction: 'output', family: 'tokens', modality: 'text', token_type: 'reasoning' } },
  output_text_tokens: { priceKey: 'output_text_mtok', per: 1_000_000, dims: { direction: 'output', family: 'tokens', modality: 'text' } },
  output_tokens: { priceKey: 'output_mtok', per: 1_000_000, dims: { direction: 'output', family: 'tokens' } },
  output_video_citation_tokens: { priceKey: 'output_video_citation_mtok', per: 1_000_000, dims: { direction: 'output', family: 'tokens', modality: 'video', token_type: 'citation' } },
  output_video_reasoning_tokens: { priceKey: 'output_video_reasoning_mtok', per: 1_000_000, dims: { direction: 'output', family: 'tokens', modality: 'video', token_type: 'reasoning' } },
  output_video_tokens: { priceKey: 'output_video_mtok', per: 1_000_000, dims: { direction: 'output', family: 'tokens', modality: 'video' } },
  requests: { priceKey: 'requests_kcount', per: 1_000, dims: { family: 'requests' } },
  rerank_searches: { priceKey: 'rerank_searches_kcount', per: 1_000, dims: { family: 'rerank' } },
  social_searches: { priceKey: 'social_searches_kcount', per: 1_000, dims: { family: 'tool_calls', tool_type: 'social_search' } },
  storage_searches: { priceKey: 'storage_searches_kcount', per: 1_000, dims: { family: 'tool_calls', tool_type: 'storage_search' } },
  web_searches: { priceKey: 'web_searches_kcount', per: 1_000, dims: { family: 'tool_calls', tool_type: 'web_search' } },
} as const satisfies Record<string, UnitDef>;

export type UnitKey = keyof typeof USAGE_UNITS;
export const UNIT_KEYS = Object.keys(USAGE_UNITS) as UnitKey[];

/** The four units a token meter prices with fields of its own (inputMcPerBlock, outputMcPerBlock, cacheRead…, cacheWrite…). */
export const CORE_UNIT_KEYS = ['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens'] as const;
export type CoreUnitKey = (typeof CORE_UNIT_KEYS)[number];
export type ExtraUnitKey = Exclude<UnitKey, CoreUnitKey>;
export const EXTRA_UNIT_KEYS = UNIT_KEYS.filter((k): k is ExtraUnitKey => !(CORE_UNIT_KEYS as readonly string[]).includes(k)) as [ExtraUnitKey, ...ExtraUnitKey[]];

export function unitDef(key: UnitKey): UnitDef {
  return USAGE_UNITS[key];
}

const BY_PRICE_KEY = new Map<string, UnitKey>(UNIT_KEYS.map((k) => [USAGE_UNITS[k].priceKey, k]));
/** The unit a price-list key prices (input_audio_mtok → input_audio_tokens), or undefined for a key the registry does not know. */
export function unitOfPriceKey(priceKey: string): UnitKey | undefined {
  return BY_PRICE_KEY.get(priceKey);
}

function dimsOf(k: UnitKey): Readonly<Record<string, string>> {
  return USAGE_UNITS[k].dims;
}

/** `a` contains `b` (every b is also an a): a's dimensions are a strict subset of b's. */
export function contains(a: UnitKey, b: UnitKey): boolean {
  if (a === b) return false;
  const da = dimsOf(a);
  const db = dimsOf(b);
  return Object.entries(da).every(([d, v]) => db[d] === v);
}

/** Two units can count the same thing (no dimension where they differ) without one containing the other. */
export function overlaps(a: UnitKey, b: UnitKey): boolean {
  if (a === b || contains(a, b) || contains(b, a)) return false;
  const da = dimsOf(a);
  const db = dimsOf(b);
  return Object.entries(da).every(([d, v]) => db[d] === undefined || db[d] === v);
}

/** The unit that counts what two overlapping units share (cache_read_tokens × input_audio_tokens → cache_audio_read_tokens). */
export function joinOf(a: UnitKey, b: UnitKey): UnitKey | undefined {
  const want = { ...dimsOf(a), ...dimsOf(b) };
  const size = Object.keys(want).length;
  return UNIT_KEYS.find((k) => Object.keys(dimsOf(k)).length === size && Object.entries(want).every(([d, v]) => dimsOf(k)[d] === v));
}

export function isTokenUnit(k: UnitKey): boolean {
  return dimsOf(k).family === 'tokens';
}

/** input, output, or neither (a search, a request, an hour of audio in both directions) */
export function directionOf(k: UnitKey): 'input' | 'output' | undefined {
  const d = dimsOf(k).direction;
  return d === 'input' || d === 'output' ? d : undefined;
}

/** Most specific first, then by name: the order genai-prices counts units in, so each is counted before what contains it. */
export function specificFirst(a: UnitKey, b: UnitKey): number {
  return Object.keys(dimsOf(b)).length - Object.keys(dimsOf(a)).length || a.localeCompare(b);
}

/** A command-line flag for a unit: input_audio_tokens → input-audio-tokens. */
export function flagOf(k: UnitKey): string {
  return k.replaceAll('_', '-');
}
