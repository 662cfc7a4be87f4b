// A plan's access to a model and the rank of parameter levels: the base that pricing and entitlements both build on.
import { PARAMETER_LEVELS, type Access, type CatalogModel, type Plan } from '../catalog/schema';

/** The plan's access to a model: a rule for the model itself wins over the rule for its tier. */
export function accessFor(plan: Plan, model: CatalogModel): Access {
  return plan.access.models[model.id] ?? plan.access.tiers[model.tier] ?? { kind: 'none' };
}

export function levelRank(level: (typeof PARAMETER_LEVELS)[number]): number {
  return PARAMETER_LEVELS.indexOf(level);
}
