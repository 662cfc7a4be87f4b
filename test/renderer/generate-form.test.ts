// The Generate form's rules: each number field's range from the catalog and plan, its words while empty or out of range, and a model outside the plan named with the plans that include it.
import { describe, expect, it } from 'vitest';
import { defaultCatalog, findPlan, type Catalog, type Plan } from '../../shared/catalog/index';
import { accessLabel, blockingNumber, numberFields, numberProblem, rangeHint, type FormState } from '../../renderer/src/features/generate/model-options';
import { includeText, plansIncluding } from '../../shared/rules/access';

const model = (id: string) => defaultCatalog.models.find((m) => m.id === id)!;
const plan = (id: string) => findPlan(defaultCatalog, id)!;
const form: FormState = { target: 'model:veo-3', prompt: 'a storm', count: 1, resolutionId: '', modeId: '', seconds: 5, maxOutputTokens: 1000, trainingImages: 10 };

describe('number fields of the Generate form', () => {
  it('takes each range from the catalog: seconds, tokens and training images from the model, the count from the model and the plan', () => {
    expect(numberFields(model('veo-3').pricing, plan('free'))).toEqual([{ key: 'seconds', label: 'Seconds', min: 1, max: 10, planLimited: false }]);
    expect(numberFields(model('gpt-4o').pricing, plan('free'))).toEqual([{ key: 'maxOutputTokens', label: 'Maximum output tokens', min: 1, max: 8000, planLimited: false }]);
    expect(numberFields(model('ai-photos-train').pricing, plan('free'))).toEqual([{ key: 'trainingImages', label: 'Training images', min: 1, max: 30, planLimited: false }]);
    expect(numberFields(model('flux-schnell').pricing, plan('free'))).toEqual([{ key: 'count', label: 'Images', min: 1, max: 1, planLimited: true }]);
    expect(numberFields(model('flux-schnell').pricing, plan('starter'))).toEqual([{ key: 'count', label: 'Images', min: 1, max: 4, planLimited: true }]);
    expect(numberFields(model('flux-schnell').pricing, plan('max'))).toEqual([{ key: 'count', label: 'Images', min: 1, max: 16, planLimited: false }]);
    expect(numberFields(model('mj-upscale-2x').pricing, null)).toEqual([{ key: 'count', label: 'Count', min: 1, max: 16, planLimited: false }]);
    expect(numberFields(model('suno-ai-bark').pricing, plan('free'))).toEqual([]);
    expect(numberFields(undefined, plan('free'))).toEqual([]);
  });

  it('says the range next to the field, and what is wrong with the text as typed (never changing it)', () => {
    const [seconds] = numberFields(model('veo-3').pricing, plan('free'));
    expect(rangeHint(seconds!)).toBe('1 to 10');
    expect(numberProblem('4', seconds!)).toBeNull();
    expect(numberProblem('10', seconds!)).toBeNull();
    expect(numberProblem('', seconds!)).toBe('Enter a number between 1 and 10');
    expect(numberProblem('  ', seconds!)).toBe('Enter a number between 1 and 10');
    expect(numberProblem('14', seconds!)).toBe('Must be between 1 and 10');
    expect(numberProblem('0', seconds!)).toBe('Must be between 1 and 10');
    expect(numberProblem('2.5', seconds!)).toBe('Enter a whole number between 1 and 10');
    const [tokens] = numberFields(model('gpt-4o').pricing, plan('free'));
    expect(rangeHint(tokens!)).toBe('1 to 8,000');
    expect(numberProblem('9000', tokens!)).toBe('Must be between 1 and 8,000');
    const [free] = numberFields(model('flux-schnell').pricing, plan('free'));
    expect(rangeHint(free!)).toBe('only 1 on your plan');
    expect(numberProblem('4', free!)).toBe('Must be 1 on your plan');
    expect(numberProblem('', free!)).toBe('Enter 1 on your plan');
    const [starter] = numberFields(model('flux-schnell').pricing, plan('starter'));
    expect(rangeHint(starter!)).toBe('1 to 4 on your plan');
    expect(numberProblem('5', starter!)).toBe('Must be between 1 and 4 on your plan');
  });

  it('holds the estimate back while a field the model takes is empty or out of range, and names that field', () => {
    const specs = numberFields(model('veo-3').pricing, plan('free'));
    expect(blockingNumber(specs, form, {})).toBeNull();
    expect(blockingNumber(specs, form, { seconds: '4' })).toBeNull();
    expect(blockingNumber(specs, form, { seconds: '' })).toBe('No estimate: Seconds must be between 1 and 10.');
    expect(blockingNumber(specs, { ...form, seconds: 44 }, {})).toBe('No estimate: Seconds must be between 1 and 10.'); // a saved draft out of range
    expect(blockingNumber(specs, form, { count: '' })).toBeNull(); // a field this model does not take
    const images = numberFields(model('flux-schnell').pricing, plan('free'));
    expect(blockingNumber(images, form, { count: '4' })).toBe('No estimate: Images must be 1 on your plan.');
  });
});

describe('models outside the plan', () => {
  it('are offered with the plans that include them, from the catalog', () => {
    expect(plansIncluding(defaultCatalog, model('gpt-4o')).map((p) => p.name)).toEqual(['Starter', 'Pro', 'Ultra', 'Max']); // not the legacy plan
    expect(accessLabel(plan('free'), model('gpt-4o'), defaultCatalog)).toEqual({ label: 'not in Free; in Starter, Pro, Ultra, Max', allowed: false });
    expect(accessLabel(plan('free'), model('suno-ai-bark'), defaultCatalog)).toEqual({ label: 'not in Free; in Starter, Pro, Ultra, Max', allowed: false });
    expect(accessLabel(plan('free'), model('veo-3'), defaultCatalog)).toEqual({ label: '2 a day on Free', allowed: true });
    expect(accessLabel(plan('free'), model('flux-schnell'), defaultCatalog)).toEqual({ label: '', allowed: true });
    expect(includeText(plansIncluding(defaultCatalog, model('gpt-4o')))).toBe('Starter, Pro, Ultra and Max include');
  });

  it('follows the synced catalog: a plan added or changed there is named, and a model no plan includes says so', () => {
    const onlyPro: Catalog = {
      ...defaultCatalog,
      plans: defaultCatalog.plans.map((p): Plan => (p.id === 'pro' ? { ...p, access: { ...p.access, models: { 'gpt-4o': { kind: 'limited', runsPerDay: 3 } } } } : { ...p, access: { ...p.access, models: { 'gpt-4o': { kind: 'none' } } } })),
    };
    expect(plansIncluding(onlyPro, model('gpt-4o')).map((p) => p.name)).toEqual(['Pro']);
    expect(accessLabel(plan('free'), model('gpt-4o'), onlyPro).label).toBe('not in Free; in Pro');
    expect(includeText(plansIncluding(onlyPro, model('gpt-4o')))).toBe('Pro includes');
    const none: Catalog = { ...defaultCatalog, plans: defaultCatalog.plans.map((p) => ({ ...p, access: { ...p.access, models: { 'gpt-4o': { kind: 'none' as const } } } })) };
    expect(accessLabel(plan('free'), model('gpt-4o'), none).label).toBe('not in Free; in no plan');
    expect(includeText([])).toBe('No plan includes');
  });
});
