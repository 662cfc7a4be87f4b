// A plan's access to a model and the rank of parameter levels: the base that pricing and entitlements both build on.
import { PARAMETER_LEVELS, type Access, type Catalog, type CatalogModel, type Plan } from '../catalog/schema';

/** The plan's access to a model: a rule for the model itself wins over the rule for its tier. */
export function accessFor(plan: Plan, model: CatalogModel): Access {
  return plan.access.models[model.id] ?? plan.access.tiers[model.tier] ?? { kind: 'none' };
}

export function levelRank(level: (typeof PARAMETER_LEVELS)[number]): number {
  return PARAMETER_LEVELS.indexOf(level);
}

/** The plans one can move to (not legacy: once left, never chosen again) that pass `test`, in the catalog's order. */
export function plansWhere(catalog: Catalog, test: (p: Plan) => boolean): Plan[] {
  return catalog.plans.filter((p) => !p.legacy && test(p));
}

/** The plans one can move to that include the model (any access but none). */
export function plansIncluding(catalog: Catalog, model: CatalogModel): Plan[] {
  return plansWhere(catalog, (p) => accessFor(p, model).kind !== 'none');
}

/** "Pro includes", "Starter, Pro and Max include", "No plan includes": the start of a sentence that names what they include. */
export function includeText(plans: readonly Plan[]): string {
  const names = plans.map((p) => p.name);
  if (names.length === 0) return 'No plan includes';
  if (names.length === 1) return `${names[0]} includes`;
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]} include`;
}
