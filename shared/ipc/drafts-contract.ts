// What the user typed and main keeps for them (Generate drafts, Plan lines): the schemas and their bounds, shared by main and the renderer.
import { z } from 'zod';
import { MAX_PROMPT_CHARS } from '../rules/pricing';

/** drafts kept, the most recently edited first; older ones are dropped */
export const MAX_DRAFTS = 30;
/** a draft's prompt: as long as a run's may be */
export const MAX_DRAFT_PROMPT_CHARS = MAX_PROMPT_CHARS;
/** the Plan page's lines and each line's prompt */
export const MAX_PLAN_LINES = 50;
export const MAX_PLAN_PROMPT_CHARS = 2_000;
export const MAX_PLAN_HORIZON_DAYS = 400;
export const MAX_PLAN_COUNT = 100_000;
export const MAX_PLAN_PER_DAY = 10_000;

/** One Generate form as the user left it, for one model or workflow. Extra fields are dropped (the renderer's form state). */
export const generateDraftSchema = z.object({
  target: z.string().min(1).max(120),
  prompt: z.string().max(MAX_DRAFT_PROMPT_CHARS),
  count: z.int().min(1).max(1000),
  resolutionId: z.string().max(80),
  modeId: z.string().max(80),
  seconds: z.int().min(1).max(3600),
  maxOutputTokens: z.int().min(1).max(1_000_000),
  trainingImages: z.int().min(1).max(1000),
  customModelId: z.string().max(80).optional(),
});
export type GenerateDraft = z.infer<typeof generateDraftSchema>;

export const draftsSchema = z.object({ drafts: z.array(generateDraftSchema).max(MAX_DRAFTS) });
export type Drafts = z.infer<typeof draftsSchema>;
/** as main takes them from the renderer: nothing it does not know */
export const draftsInputSchema = z.strictObject({ drafts: z.array(generateDraftSchema.strict()).max(MAX_DRAFTS) });

/** a plan line's own run numbers, within the same bounds as a draft's */
export const planLineParamsSchema = z.strictObject({
  count: generateDraftSchema.shape.count.optional(),
  seconds: generateDraftSchema.shape.seconds.optional(),
  maxOutputTokens: generateDraftSchema.shape.maxOutputTokens.optional(),
  trainingImages: generateDraftSchema.shape.trainingImages.optional(),
});

/** One line of the Plan page: a model, a prompt, how many, how many a day (0 = all on the first day), and each run's numbers. */
export const planLineSchema = z.strictObject({
  id: z.string().min(1).max(80),
  modelId: z.string().max(120),
  prompt: z.string().max(MAX_PLAN_PROMPT_CHARS),
  count: z.int().min(0).max(MAX_PLAN_COUNT),
  perDay: z.int().min(0).max(MAX_PLAN_PER_DAY),
  params: planLineParamsSchema.optional(),
});
export const planLinesSchema = z.strictObject({ lines: z.array(planLineSchema).max(MAX_PLAN_LINES), horizonDays: z.int().min(0).max(MAX_PLAN_HORIZON_DAYS) });
export type PlanLines = z.infer<typeof planLinesSchema>;
export type PlanLineParams = z.infer<typeof planLineParamsSchema>;
