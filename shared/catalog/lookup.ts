// Finding a model or plan in a catalog already parsed, and what a model delivers: no zod, so the renderer's first paint can use them.
import type { Catalog, CatalogModel, Plan } from './schema';

export type OutputKind = 'text' | 'image' | 'video' | 'audio' | 'model';

/** What a model's run delivers. */
export function outputKindOf(model: CatalogModel): OutputKind {
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

export function findModel(catalog: Catalog, modelId: string): CatalogModel | undefined {
  return catalog.models.find((m) => m.id === modelId);
}

export function findPlan(catalog: Catalog, planId: string): Plan | undefined {
  return catalog.plans.find((p) => p.id === planId);
}
