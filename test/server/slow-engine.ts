// An engine router for server tests: the local engine, but a minute long for prompts marked "[slow]" (until canceled), so a run's hold stays open while a test looks.
import type { ResolvedRun } from '../../shared/rules/pricing';
import { LocalEngine } from '../../server/engines/local';
import { EngineRouter, enginesConfigSchema } from '../../server/engines/router';
import type { Engine } from '../../server/engines/types';

export const SLOW = '[slow]';

export class SlowWhenAsked extends EngineRouter {
  private readonly slow = new LocalEngine({ latencyMs: 60_000 });
  constructor() {
    super(enginesConfigSchema.parse({ local: { concurrency: 64 } })); // slow runs never keep the others waiting
  }
  override engineFor(runs: readonly ResolvedRun[]): Engine {
    return runs.some((r) => r.prompt.includes(SLOW)) ? this.slow : super.engineFor(runs);
  }
}
