// The training API: start a custom model (LoRA) job from images, list and read jobs, cancel one, the user's models, and the allowance in the wallet.
import { z } from 'zod';
import { ALLOWANCE_PERIODS, TRAINING_FUNDINGS, TRAINING_MAX_IMAGE_BYTES, TRAINING_NAME_MAX_CHARS, TRAINING_STAGES } from '../rules/training';
import { safeString } from '../rules/text';

const epochMs = z.int().min(0).max(8_640_000_000_000_000);
const nonNegMc = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

/** The bound on the images array itself; the rule (1 to 30) is checked after, so that too many or none get their own error codes. */
export const TRAINING_IMAGES_ARRAY_MAX = 64;
/** base64 of the largest image allowed, with its padding */
export const TRAINING_IMAGE_BASE64_MAX_CHARS = Math.ceil(TRAINING_MAX_IMAGE_BYTES / 3) * 4;

export const TRAINING_ID_PATTERN = /^trn_[A-Za-z0-9_-]{1,40}$/;
export const trainingIdParamsSchema = z.object({ id: z.string().regex(TRAINING_ID_PATTERN, 'not a training id') }).strict();

export const trainingImageInputSchema = z
  .object({
    /** the file's name, for messages only: the type is read from the content */
    fileName: safeString().max(200).optional(),
    /** the image's bytes in base64; a little over the size limit is let through so that the limit is reported as such */
    dataBase64: z.string().max(TRAINING_IMAGE_BASE64_MAX_CHARS + 1024),
  })
  .strict();

/**
 * The JSON form of a start, with base64 images read whole (the route raises its body limit for them); the multipart form below
 * streams them instead (see trainingUploadFieldsSchema).
 */
export const createTrainingBodySchema = z
  .object({
    name: safeString().trim().min(1).max(TRAINING_NAME_MAX_CHARS),
    images: z.array(trainingImageInputSchema).max(TRAINING_IMAGES_ARRAY_MAX),
    /** a catalog model that sells training for credits (trainingImage meter); absent = the plan's training allowance */
    modelId: safeString().min(1).max(80).optional(),
    /** with modelId: the most the user agreed to pay, in millicredits */
    approvedMc: nonNegMc.optional(),
  })
  .strict();
export type CreateTrainingBody = z.input<typeof createTrainingBodySchema>;

/** The multipart form of a start: these fields first, then the images as files (each named `images`), streamed to storage one by one. */
export const TRAINING_UPLOAD_FILE_FIELD = 'images';
export const trainingUploadFieldsSchema = z
  .object({
    name: safeString().trim().min(1).max(TRAINING_NAME_MAX_CHARS),
    modelId: safeString().min(1).max(80).optional(),
    /** a form field is text: the millicredits in decimal digits */
    approvedMc: z.string().regex(/^\d{1,16}$/, 'approvedMc is a whole number of millicredits').transform(Number).pipe(nonNegMc).optional(),
  })
  .strict();
export type TrainingUploadFields = z.output<typeof trainingUploadFieldsSchema>;

export const TRAINING_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const;
export type TrainingStatus = (typeof TRAINING_STATUSES)[number];
export const TRAINING_FINISHED: readonly TrainingStatus[] = ['succeeded', 'failed', 'canceled'];

export const customModelSchema = z.object({
  id: z.string(),
  name: z.string(),
  trainingId: z.string(),
  file: z.string(),
  bytes: z.int().min(0),
  createdAtMs: epochMs,
});
export type CustomModel = z.infer<typeof customModelSchema>;

export const trainingSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(TRAINING_STATUSES),
  /** what pays for it: a unit of the plan's allowance, or credits held like a run (generationId names that run) */
  funding: z.enum(TRAINING_FUNDINGS),
  generationId: z.string().nullable(),
  imageCount: z.int().min(0),
  imageBytes: z.int().min(0),
  progressPct: z.int().min(0).max(100),
  stage: z.enum(TRAINING_STAGES),
  /** server time left, in ms, while it runs */
  timeLeftMs: z.int().min(0).nullable(),
  model: customModelSchema.nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdAtMs: epochMs,
  startedAtMs: epochMs.nullable(),
  finishedAtMs: epochMs.nullable(),
});
export type Training = z.infer<typeof trainingSchema>;

export const TRAINING_PAGE_MAX = 100;
export const trainingListQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(TRAINING_PAGE_MAX).default(50) }).strict();
export const trainingListSchema = z.object({ items: z.array(trainingSchema) });
export const customModelListSchema = z.object({ items: z.array(customModelSchema) });

/** The training allowance in the wallet: per week or per year of the billing period; period null = none in the plan. */
export const trainingAllowanceSchema = z.object({
  period: z.enum(ALLOWANCE_PERIODS).nullable(),
  allowance: z.int().min(0),
  used: z.int().min(0),
  left: z.int().min(0),
  /** when a new period starts (server time); null when the plan has none */
  renewsAtMs: epochMs.nullable(),
});
export type TrainingAllowance = z.infer<typeof trainingAllowanceSchema>;

export const trainingEventSchema = z.object({ type: z.literal('training'), training: trainingSchema });
export type TrainingEvent = z.infer<typeof trainingEventSchema>;
