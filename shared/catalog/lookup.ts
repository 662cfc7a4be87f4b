// Finding a model or plan in a catalog already parsed, and what a model delivers: no zod, so the renderer's first paint can use them.
// Typed by the shapes they read (schema.ts re-exports them for its Catalog), so that this file imports nothing.

export type OutputKind = 'text' | 'image' | 'video' | 'audio' | 'model';

/** What a model's run delivers. */
export function outputKindOf(model: { output?: OutputKind | undefined; modality: string }): OutputKind {
  if (model.output) return model.output;
  switch (model.modality) {
    case 'text':
      return 'text';
    case 'video':
      return 'video';
    case 'audio':
      return 'audio';
    case 'training':
      return 'model';
    default:
      return 'image';
  }
}

export function findModel<M extends { id: string }>(catalog: { models: readonly M[] }, modelId: string): M | undefined {
  return catalog.models.find((m) => m.id === modelId);
}

export function findPlan<P extends { id: string }>(catalog: { plans: readonly P[] }, planId: string): P | undefined {
  return catalog.plans.find((p) => p.id === planId);
}
