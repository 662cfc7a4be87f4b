// The local engine: makes real files for every modality without any provider account (labelled "local preview" in the app).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encode, decode } from 'gpt-tokenizer';
import type { GenerationOutput } from '../../shared/api/index';
import { outputKindOf } from '../../shared/catalog/schema';
import type { ResolvedRun, Usage } from '../../shared/rules/pricing';
import { gifVideo, hash32, pngImage, prng, wavAudio } from './media';
import { EngineError, sleep, type Engine, type EngineJob, type EngineResult } from './types';

export interface LocalEngineOptions {
  /** simulated work per delivered unit (image, second of video, block…) */
  latencyMs?: number;
  /** chance (0..1) that a run fails outright */
  failureRate?: number;
  random?: () => number;
}

/** Prompt markers the local engine honours so that refunds can be seen and tested: "[fail]" fails the run, "[partial]" delivers half a batch. */
export const FAIL_MARKER = '[fail]';
export const PARTIAL_MARKER = '[partial]';
const ACTION_IMAGE_SIZE = 512;
const VIDEO_SIZE = { width: 192, height: 108, fps: 6 };
const AUDIO_MS = 3_000;

const WORDS = 'light shadow river glass ember orbit quiet signal velvet harbor meadow copper lantern drift echo summit canvas thread bloom tide'.split(' ');

function text(seed: number, tokens: number): string {
  const rand = prng(seed);
  const parts: string[] = [];
  while (parts.length < tokens * 2) parts.push(WORDS[Math.floor(rand() * WORDS.length)]!);
  const draft = `Local preview. ${parts.join(' ')}.`;
  return decode(encode(draft).slice(0, tokens));
}

export class LocalEngine implements Engine {
  readonly name = 'local';
  constructor(private readonly opts: LocalEngineOptions = {}) {}

  /** The simulated work: the latency per delivered unit, as run() sleeps it. */
  expectedDurationMs(runs: readonly ResolvedRun[]): number {
    const latency = this.opts.latencyMs ?? 0;
    let units = 0;
    for (const run of runs) {
      const p = run.model.pricing;
      units += p.meter === 'image' || p.meter === 'action' ? run.count : p.meter === 'second' ? run.seconds : 1;
    }
    return latency * units;
  }

  async run(job: EngineJob): Promise<EngineResult> {
    const random = this.opts.random ?? Math.random;
    const failAll = job.runs.some((r) => r.prompt.includes(FAIL_MARKER)) || random() < (this.opts.failureRate ?? 0);
    const partial = job.runs.some((r) => r.prompt.includes(PARTIAL_MARKER));
    const outputs: GenerationOutput[] = [];
    const usages: Usage[] = [];
    let undelivered = 0;
    for (let b = 0; b < job.runs.length; b++) {
      const run = job.runs[b]!;
      if (failAll && b === job.runs.length - 1) {
        await sleep(this.opts.latencyMs ?? 0, job.signal);
        throw new EngineError('engine_failed', 'the local engine failed this run (simulated failure)');
      }
      const r = await this.runOne(job, run, b, partial, outputs);
      usages.push(r.usage);
      undelivered += r.undelivered;
      job.onProgress(Math.round(((b + 1) / job.runs.length) * 100));
    }
    const usage = job.runs.length > 1 ? { blocks: usages } : usages[0]!;
    return { usage, outputs, undelivered, ...(undelivered > 0 ? { partialReason: 'the local engine dropped part of the batch (simulated)' } : {}) };
  }

  private async write(job: EngineJob, outputs: GenerationOutput[], name: string, data: Buffer | string, meta: Omit<GenerationOutput, 'name' | 'bytes'>): Promise<void> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    await writeFile(path.join(job.outputDir, name), buf);
    outputs.push({ name, bytes: buf.length, ...meta });
  }

  private async runOne(job: EngineJob, run: ResolvedRun, block: number, partial: boolean, outputs: GenerationOutput[]): Promise<{ usage: Usage; undelivered: number }> {
    const seed = hash32(`${run.prompt}|${job.seed}|${block}`);
    const latency = this.opts.latencyMs ?? 0;
    const kind = outputKindOf(run.model);
    const p = run.model.pricing;
    const prefix = job.runs.length > 1 ? `b${block + 1}-` : '';
    switch (p.meter) {
      case 'tokens': {
        await sleep(latency, job.signal);
        const outTokens = Math.min(run.maxOutputTokens, 20 + (seed % 180));
        const body = text(seed, outTokens);
        await this.write(job, outputs, `${prefix}output.txt`, body, { kind: 'text', mime: 'text/plain; charset=utf-8' });
        return { usage: { inputTokens: encode(run.prompt).length + p.promptOverheadTokens, outputTokens: encode(body).length }, undelivered: 0 };
      }
      case 'image':
      case 'action': {
        const want = run.count;
        const deliver = partial ? Math.max(1, Math.floor(want / 2)) : want;
        for (let i = 0; i < deliver; i++) {
          await sleep(latency, job.signal);
          if (kind === 'text') {
            await this.write(job, outputs, `${prefix}result-${i + 1}.txt`, text(seed + i, 60), { kind: 'text', mime: 'text/plain; charset=utf-8' });
          } else {
            const w = run.resolution && 'width' in run.resolution ? (run.resolution as { width: number }).width : ACTION_IMAGE_SIZE;
            const h = run.resolution && 'height' in run.resolution ? (run.resolution as { height: number }).height : ACTION_IMAGE_SIZE;
            await this.write(job, outputs, `${prefix}image-${i + 1}.png`, pngImage(w, h, seed + i), { kind: 'image', mime: 'image/png', width: w, height: h });
          }
          job.onProgress(Math.round(((i + 1) / want) * 100));
        }
        return { usage: { delivered: deliver }, undelivered: want - deliver };
      }
      case 'second': {
        const seconds = partial ? Math.max(1, Math.floor(run.seconds / 2)) : run.seconds;
        await sleep(latency * seconds, job.signal);
        const { width, height, fps } = VIDEO_SIZE;
        await this.write(job, outputs, `${prefix}video.gif`, gifVideo(width, height, seconds, fps, seed), { kind: 'video', mime: 'image/gif', width, height, durationMs: seconds * 1000 });
        return { usage: { deliveredMs: seconds * 1000 }, undelivered: run.seconds - seconds };
      }
      case 'use': {
        await sleep(latency, job.signal);
        await this.write(job, outputs, `${prefix}audio.wav`, wavAudio(AUDIO_MS, seed), { kind: 'audio', mime: 'audio/wav', durationMs: AUDIO_MS });
        return { usage: { delivered: 1 }, undelivered: 0 };
      }
      case 'trainingImage': {
        await sleep(latency * 2, job.signal);
        const manifest = JSON.stringify({ kind: 'local-preview-lora', trainedOnImages: run.trainingImages, seed }, null, 2);
        await this.write(job, outputs, `${prefix}model.json`, manifest, { kind: 'model', mime: 'application/json' });
        return { usage: { trainingImages: run.trainingImages }, undelivered: 0 };
      }
    }
  }
}
