// Which engine serves which catalog model: server configuration (a JSON file), the local engine by default.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { z } from 'zod';
import { issuesText } from '../../shared/rules/issues';
import type { ResolvedRun } from '../../shared/rules/pricing';
import { LocalEngine, type LocalEngineOptions } from './local';
import { OpenAiEngine, openAiConfigSchema } from './openai';
import { EngineError, type Engine, type EngineLimits } from './types';

export const enginesConfigSchema = z
  .object({
    openai: openAiConfigSchema.optional(),
    /** catalog model ids served by the OpenAI-compatible engine; all others go to the local engine */
    routes: z.object({ openai: z.array(z.string()).default([]) }).strict().default({ openai: [] }),
    local: z
      .object({
        latencyMs: z.int().min(0).max(60_000).default(0),
        failureRate: z.number().min(0).max(1).default(0),
        /** local runs at once; it does real CPU work, so by default one per core */
        concurrency: z.int().min(1).max(256).optional(),
      })
      .strict()
      .default({ latencyMs: 0, failureRate: 0 }),
  })
  .strict();
export type EnginesConfig = z.infer<typeof enginesConfigSchema>;

export class EngineRouter {
  readonly local: LocalEngine;
  readonly openai: OpenAiEngine | null;
  private readonly openaiModels: Set<string>;

  constructor(
    private readonly config: EnginesConfig,
    localOverrides: LocalEngineOptions = {},
  ) {
    this.local = new LocalEngine({ ...config.local, ...localOverrides });
    this.openai = config.openai ? new OpenAiEngine(config.openai) : null;
    this.openaiModels = new Set(config.routes.openai);
    if (this.openaiModels.size > 0 && !this.openai) throw new Error('engines config routes models to openai but has no openai section');
  }

  /** One engine serves a whole run: a workflow mixing engines runs on the local engine only if none of its blocks is routed elsewhere. */
  engineFor(runs: readonly ResolvedRun[]): Engine {
    const routed = runs.filter((r) => this.openaiModels.has(r.model.id));
    if (routed.length === 0) return this.local;
    if (routed.length !== runs.length) throw new EngineError('unsupported', 'this workflow mixes models served by different engines');
    return this.openai!;
  }

  /** How many runs an engine takes at once and per minute (an unknown name, e.g. a run recorded by another version, gets the local limits). */
  limitsOf(engine: string): EngineLimits {
    if (engine === 'openai' && this.config.openai) return { concurrency: this.config.openai.maxConcurrent, perMinute: this.config.openai.requestsPerMinute, fleetWide: true };
    return { concurrency: this.config.local.concurrency ?? Math.max(1, os.availableParallelism()), perMinute: null };
  }

  /** The engines runs are queued for (a generation row naming another, e.g. a training's, is not this router's to run). */
  engineNames(): string[] {
    return this.openai ? [this.local.name, this.openai.name] : [this.local.name];
  }

  engineNameFor(runs: readonly ResolvedRun[]): string {
    return this.engineFor(runs).name;
  }
}

export function loadEnginesConfig(file: string | undefined): EnginesConfig {
  if (!file) return enginesConfigSchema.parse({});
  const r = enginesConfigSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!r.success) throw new Error(`invalid engines config ${file}: ${issuesText(r.error.issues)}`);
  return r.data;
}
