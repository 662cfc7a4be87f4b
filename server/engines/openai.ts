// An OpenAI-compatible engine (chat completions with usage, image generations): serves OpenAI, Ollama, LocalAI, vLLM and similar gateways.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { GenerationOutput } from '../../shared/api/index';
import type { ResolvedRun, UnitCounts, Usage } from '../../shared/rules/pricing';
import { EngineError, type Engine, type EngineJob, type EngineResult } from './types';

export const openAiConfigSchema = z
  .object({
    baseUrl: z.url(),
    /** the API key, or the name of the environment variable that holds it */
    apiKey: z.string().optional(),
    apiKeyEnv: z.string().optional(),
    /** catalog model id → the provider's model name (default: the model an imported price names, else the catalog id) */
    modelMap: z.record(z.string(), z.string()).default({}),
    timeoutMs: z.int().min(1_000).max(600_000).default(120_000),
    maxResponseBytes: z.int().min(1_024).max(200 * 1024 * 1024).default(50 * 1024 * 1024),
    /** requests to the provider at once: runs wait on its answers without holding a core */
    maxConcurrent: z.int().min(1).max(1_000).default(32),
    /** requests started in any minute, as the provider allows; null = no such limit */
    requestsPerMinute: z.int().min(1).max(100_000).nullable().default(600),
  })
  .strict();
export type OpenAiConfig = z.infer<typeof openAiConfigSchema>;

const count = z.int().min(0).nullish();
const chatResponse = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
  usage: z.object({
    /** every input token, the cached, audio and image ones included */
    prompt_tokens: z.int().min(0),
    /** every output token, the reasoning, audio and image ones included */
    completion_tokens: z.int().min(0),
    /** OpenAI: cached and audio tokens among the input; OpenRouter also cache_write_tokens; gateways image and video tokens */
    prompt_tokens_details: z.object({ cached_tokens: count, cache_write_tokens: count, audio_tokens: count, image_tokens: count, video_tokens: count }).nullish(),
    completion_tokens_details: z.object({ reasoning_tokens: count, audio_tokens: count, image_tokens: count }).nullish(),
    /** gateways that pass Anthropic's counts through (LiteLLM's proxy), its web searches among them */
    cache_read_input_tokens: count,
    cache_creation_input_tokens: count,
    server_tool_use: z.object({ web_search_requests: count }).nullish(),
    /** Perplexity: the searches a run made */
    num_search_queries: count,
  }),
});

/**
 * What a chat completion used, in the units the catalog charges: genai-prices' OpenAI chat extractor (cached, cache-written, audio
 * and reasoning tokens), plus what OpenAI-compatible gateways add (image and video tokens, web searches).
 */
export function chatUsage(u: z.infer<typeof chatResponse>['usage']): Usage {
  const cacheReadTokens = u.prompt_tokens_details?.cached_tokens ?? u.cache_read_input_tokens ?? 0;
  const cacheWriteTokens = u.prompt_tokens_details?.cache_write_tokens ?? u.cache_creation_input_tokens ?? 0;
  const units: UnitCounts = {
    input_audio_tokens: u.prompt_tokens_details?.audio_tokens ?? 0,
    input_image_tokens: u.prompt_tokens_details?.image_tokens ?? 0,
    input_video_tokens: u.prompt_tokens_details?.video_tokens ?? 0,
    output_audio_tokens: u.completion_tokens_details?.audio_tokens ?? 0,
    output_image_tokens: u.completion_tokens_details?.image_tokens ?? 0,
    output_reasoning_tokens: u.completion_tokens_details?.reasoning_tokens ?? 0,
    web_searches: u.server_tool_use?.web_search_requests ?? u.num_search_queries ?? 0,
  };
  const used = Object.entries(units).filter(([, n]) => n > 0);
  return {
    inputTokens: u.prompt_tokens,
    outputTokens: u.completion_tokens,
    ...(cacheReadTokens > 0 ? { cacheReadTokens } : {}),
    ...(cacheWriteTokens > 0 ? { cacheWriteTokens } : {}),
    ...(used.length > 0 ? { units: Object.fromEntries(used) } : {}),
  };
}
const imageResponse = z.object({ data: z.array(z.object({ b64_json: z.string() })) });

export class OpenAiEngine implements Engine {
  readonly name = 'openai';
  constructor(private readonly config: OpenAiConfig) {}

  private key(): string | undefined {
    return this.config.apiKey ?? (this.config.apiKeyEnv ? process.env[this.config.apiKeyEnv] : undefined);
  }

  private async post(pathName: string, body: unknown, signal: AbortSignal): Promise<unknown> {
    const timeout = AbortSignal.timeout(this.config.timeoutMs);
    const both = AbortSignal.any([signal, timeout]);
    const key = this.key();
    let res: Response;
    try {
      res = await fetch(`${this.config.baseUrl.replace(/\/$/, '')}${pathName}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify(body),
        signal: both,
      });
    } catch (e) {
      if (signal.aborted) throw new EngineError('canceled', 'the run was canceled');
      if (timeout.aborted) throw new EngineError('timeout', `the provider did not answer within ${Math.round(this.config.timeoutMs / 1000)} s`);
      throw new EngineError('provider_error', `cannot reach the provider: ${(e as Error).message}`);
    }
    const text = await readLimited(res, this.config.maxResponseBytes, both).catch((e: unknown) => {
      if (e instanceof EngineError) throw e;
      if (signal.aborted) throw new EngineError('canceled', 'the run was canceled');
      throw new EngineError('timeout', 'the provider stopped answering');
    });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new EngineError('bad_provider_response', `the provider answered ${res.status} with something that is not JSON`);
    }
    if (!res.ok) {
      const msg = (json as { error?: { message?: string } })?.error?.message ?? `status ${res.status}`;
      throw new EngineError('provider_error', `the provider refused the run: ${msg}`);
    }
    return json;
  }

  private providerModel(run: ResolvedRun): string {
    return this.config.modelMap[run.model.id] ?? run.model.priceSource?.model ?? run.model.id;
  }

  async run(job: EngineJob): Promise<EngineResult> {
    const outputs: GenerationOutput[] = [];
    const usages: Usage[] = [];
    let undelivered = 0;
    for (let b = 0; b < job.runs.length; b++) {
      const run = job.runs[b]!;
      const prefix = job.runs.length > 1 ? `b${b + 1}-` : '';
      const p = run.model.pricing;
      if (p.meter === 'tokens') {
        const raw = await this.post('/chat/completions', { model: this.providerModel(run), messages: [{ role: 'user', content: run.prompt }], max_tokens: run.maxOutputTokens }, job.signal);
        const r = chatResponse.safeParse(raw);
        if (!r.success) throw new EngineError('bad_provider_response', 'the provider sent a chat completion without usage');
        const content = r.data.choices[0]!.message.content ?? '';
        const buf = Buffer.from(content, 'utf8');
        await writeFile(path.join(job.outputDir, `${prefix}output.txt`), buf);
        outputs.push({ name: `${prefix}output.txt`, kind: 'text', mime: 'text/plain; charset=utf-8', bytes: buf.length });
        usages.push(chatUsage(r.data.usage));
      } else if (p.meter === 'image') {
        const res = run.resolution as { width?: number; height?: number } | null;
        const size = res?.width && res.height ? `${res.width}x${res.height}` : '1024x1024';
        const raw = await this.post('/images/generations', { model: this.providerModel(run), prompt: run.prompt, n: run.count, size, response_format: 'b64_json' }, job.signal);
        const r = imageResponse.safeParse(raw);
        if (!r.success) throw new EngineError('bad_provider_response', 'the provider sent an image answer without images');
        const images = r.data.data.slice(0, run.count);
        for (let i = 0; i < images.length; i++) {
          const buf = Buffer.from(images[i]!.b64_json, 'base64');
          const name = `${prefix}image-${i + 1}.png`;
          await writeFile(path.join(job.outputDir, name), buf);
          outputs.push({ name, kind: 'image', mime: 'image/png', bytes: buf.length });
        }
        usages.push({ delivered: images.length });
        undelivered += run.count - images.length;
      } else {
        throw new EngineError('unsupported', `${run.model.name} is not served by the OpenAI-compatible engine`);
      }
      job.onProgress(Math.round(((b + 1) / job.runs.length) * 100));
    }
    if (outputs.length === 0) throw new EngineError('bad_provider_response', 'the provider delivered nothing');
    return { usage: job.runs.length > 1 ? { blocks: usages } : usages[0]!, outputs, undelivered, ...(undelivered > 0 ? { partialReason: 'the provider delivered fewer images than asked' } : {}) };
  }
}

async function readLimited(res: Response, maxBytes: number, signal: AbortSignal): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    if (signal.aborted) throw new Error('aborted');
    const { value, done } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw new EngineError('bad_provider_response', `the provider's answer is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
