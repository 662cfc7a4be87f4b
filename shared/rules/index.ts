// The credit rules in one import: money, schedule, grants, pricing, entitlements, warnings.
export * from './money';
export * from './schedule';
export * from './grants';
export * from './pricing';
export * from './entitlements';
export * from './warnings';
