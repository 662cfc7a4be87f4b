// The renderer↔main contract: every method's input and output schema and the events main pushes; the preload and browser bridge are built from it.
import { z } from 'zod';
import { autoTopUpSettingsSchema, BILLING_PERIODS, createTrainingBodySchema, generationSchema, purchaseSchema, setSpendLimitsBodySchema, subscriptionChangeAnswerSchema, subscriptionViewSchema, trainingSchema, walletSchema } from '../api/index';
import { GRANT_KINDS } from '../rules/grants';
import { EXPIRY_ALERT_DAYS, EXPIRY_ALERT_DAYS_RANGE, SPEND_ALERT_PERCENT, SPEND_ALERT_PERCENT_RANGE } from '../rules/alerts';
import { SPEND_WINDOWS } from '../rules/spend-limits';
import { catalogSchema } from '../catalog/schema';
import { runRequestSchema } from '../rules/pricing';
import type { IpcEventName, IpcMethodName } from './names';
import { historyEntriesInputSchema, historyEntriesSchema, historyFilterSchema, historyPageSchema, receiptInputSchema, receiptSchema, savedReceiptSchema } from './history-contract';
import { planInputSchema, planViewSchema } from './planner-contract';
import { draftsInputSchema, draftsSchema, planLinesSchema } from './drafts-contract';
import { accountsIpcEvents, accountsIpcMethods } from './accounts-contract';

export { planInputSchema, planViewSchema, type PlanInput, type PlanView } from './planner-contract';
export * from './history-contract';
export * from './drafts-contract';
export * from './accounts-contract';

export { IPC_EVENT_NAMES, IPC_METHOD_NAMES, eventListenerName, ipcChannel, ipcEventChannel, type IpcEventName, type IpcMethodName } from './names';

export const CONNECTION_STATES = ['connecting', 'online', 'reconnecting', 'offline'] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

/** What the renderer knows about the wallet: the wallet itself plus where it came from and how old it is. */
export const walletViewSchema = z.object({
  wallet: walletSchema.nullable(),
  /** live: from the server in this session; cache: from the local cache, not yet confirmed */
  source: z.enum(['live', 'cache', 'none']),
  connection: z.enum(CONNECTION_STATES),
  /** server time at which the shown wallet was read */
  asOfServerMs: z.int().nullable(),
  /** serverNow = Date.now() + clockOffsetMs */
  clockOffsetMs: z.int(),
  /** a message for the user when the last sync failed */
  lastError: z.string().nullable(),
  /** the server was reached but stopped answering (a request timed out, the event stream went silent): not the same as down */
  notAnswering: z.boolean().optional(),
  serverKind: z.enum(['embedded', 'remote']),
});
export type WalletView = z.infer<typeof walletViewSchema>;

const noInput = z.undefined();

/** The price catalog as main has it cached: the renderer estimates with the same shared code while the user edits. */
export const catalogViewSchema = z.object({
  catalog: catalogSchema.nullable(),
  /** the plan the estimates use: the account's, from the wallet */
  planId: z.string().nullable(),
  fetchedAtServerMs: z.int().nullable(),
  /** older than the catalog's freshness window */
  stale: z.boolean(),
});
export type CatalogView = z.infer<typeof catalogViewSchema>;

export const refusalSchema = z.object({ code: z.string(), message: z.string() });

export const preflightResultSchema = z.object({
  estimate: z
    .object({
      maxMc: z.int().min(0),
      typicalMc: z.int().min(0),
      lines: z.array(z.object({ modelId: z.string(), label: z.string(), maxMc: z.int().min(0), typicalMc: z.int().min(0), unlimited: z.boolean() })),
    })
    .nullable(),
  stale: z.boolean(),
  /** credits available for this run: the wallet's, less this app's runs in flight */
  availableMc: z.int().nullable(),
  /** at or under the user's auto-approve limit: no confirmation needed */
  autoApprove: z.boolean(),
  /** why it cannot run now; the estimate may still be shown */
  refusal: refusalSchema.nullable(),
});
export type PreflightResult = z.infer<typeof preflightResultSchema>;

/** A run as the renderer shows it: the server's record plus where to load each output from. */
export const generationViewSchema = generationSchema.extend({
  outputUrls: z.record(z.string(), z.string()),
});
export type GenerationView = z.infer<typeof generationViewSchema>;

/**
 * The answer to starting or cancelling a run: an acknowledgement only. Runs reach the renderer one way, the `generation` event
 * (sent before this answer), so the renderer's store has one place that applies them.
 */
export const runAcknowledgedSchema = z.object({ id: z.string().min(1).max(80) });

/** the largest credit amount a setting takes (1,000,000 credits), in millicredits */
export const SETTINGS_MAX_MC = 1_000_000_000;
const SETTING_RANGE = 'must be from 0 to 1,000,000 credits';
const settingMc = () => z.int(`${SETTING_RANGE}, to the thousandth`).min(0, SETTING_RANGE).max(SETTINGS_MAX_MC, SETTING_RANGE);

export const settingsSchema = z.object({
  /** runs whose estimate is at or under this many millicredits start without a confirmation */
  autoApproveMc: settingMc(),
  /** warn below this many millicredits; null = the plan's default (20% of its period credits, at least 10) */
  lowBalanceThresholdMc: settingMc().nullable(),
  /** the alerts (shared/rules/alerts.ts): each on or off, and its level; the balance alert's level is lowBalanceThresholdMc */
  lowBalanceAlert: z.boolean(),
  spendLimitAlert: z.boolean(),
  spendLimitAlertPercent: z.int(SPEND_ALERT_PERCENT_RANGE).min(SPEND_ALERT_PERCENT.min, SPEND_ALERT_PERCENT_RANGE).max(SPEND_ALERT_PERCENT.max, SPEND_ALERT_PERCENT_RANGE),
  expiryAlert: z.boolean(),
  expiryAlertDays: z.int(EXPIRY_ALERT_DAYS_RANGE).min(EXPIRY_ALERT_DAYS.min, EXPIRY_ALERT_DAYS_RANGE).max(EXPIRY_ALERT_DAYS.max, EXPIRY_ALERT_DAYS_RANGE),
  autoTopUpAlert: z.boolean(),
});

/** How an input field is named to a person in an error (the internal names never reach the user). */
export const IPC_FIELD_LABELS: Readonly<Record<string, string>> = {
  autoApproveMc: 'The auto-approve limit',
  lowBalanceThresholdMc: 'The low-balance warning level',
  spendLimitAlertPercent: 'The spend-limit alert level',
  expiryAlertDays: 'The days before expiry',
};
export type Settings = z.infer<typeof settingsSchema>;

/** Where main keeps the account token: encrypted by the OS keychain, in memory for this run only (no keychain), or a user-only file (browser mode). */
export const TOKEN_STORAGES = ['encrypted', 'memory', 'user-file'] as const;
export type TokenStorage = (typeof TOKEN_STORAGES)[number];

/** The settings as Settings shows them: what the user chose, and what main reports about this computer. */
/** Who shows an alert as a system notification: main (Electron's Notification), or the page (browser mode: its Notification API). */
export const NOTIFIERS = ['main', 'page'] as const;

export const settingsViewSchema = settingsSchema.extend({ tokenStorage: z.enum(TOKEN_STORAGES), notifications: z.enum(NOTIFIERS) });
export type SettingsView = z.infer<typeof settingsViewSchema>;

export const spendChartSchema = z.array(z.object({ day: z.string(), byModel: z.record(z.string(), z.int()), totalMc: z.int() })).max(366);

/** The balance forecast (docs/credit-rules.md §13) as the popover says it: the pace, the day the credits run out, what expires unused. */
export const forecastViewSchema = z.object({
  paceMcPerDay: z.int().min(0),
  /** the days the pace was measured over: 14, or the account's age if younger */
  paceDays: z.int().min(1).max(366),
  /** the first day the credits fall short of the pace; null: they last beyond `endMs` */
  runOutAtMs: z.int().nullable(),
  endMs: z.int(),
  /** the first credits that expire unused (daily credits left out), in time order */
  expiringUnused: z.array(z.object({ kind: z.enum(GRANT_KINDS), amountMc: z.int().min(0), atMs: z.int() })).max(20),
  /** auto top-ups the forecast counts on before the horizon */
  topUps: z.int().min(0),
});
export type ForecastView = z.infer<typeof forecastViewSchema>;

export const warningsSchema = z.object({
  lowBalance: z.object({ availableMc: z.int(), thresholdMc: z.int() }).nullable(),
  expiring: z
    .object({
      totalMc: z.int(),
      firstExpiresAtMs: z.int(),
      items: z.array(z.object({ grantId: z.string(), kind: z.enum(GRANT_KINDS), remainingMc: z.int(), expiresAtMs: z.int() })),
    })
    .nullable(),
  /** spend limits whose window has used the alert's share (while that alert is on), named as the app says them */
  spendLimits: z
    .array(z.object({ key: z.string(), name: z.string(), window: z.enum(SPEND_WINDOWS), limitMc: z.int(), usedMc: z.int(), percent: z.int(), resetsAtMs: z.int() }))
    .max(20),
  /** the last auto top-up alerted in this session: bought, or failed and why */
  autoTopUp: z.object({ key: z.string(), ok: z.boolean(), text: z.string().max(500) }).nullable(),
  /** the balance forecast from the cached wallet and history; absent or null: not computed (no wallet, catalog or plan) */
  forecast: forecastViewSchema.nullable().optional(),
});
export type Warnings = z.infer<typeof warningsSchema>;

/** An alert that fired (once per crossing, window, grant or purchase): what it says, for the page's notification in browser mode. */
export const alertEventSchema = z.object({
  key: z.string().max(300),
  kind: z.enum(['low_balance', 'spend_limit', 'expiring', 'auto_top_up']),
  title: z.string().max(200),
  body: z.string().max(1_000),
});
export type AlertEvent = z.infer<typeof alertEventSchema>;

/** The page's link to main (browser mode): open, or closed because the app stopped, with what to tell the user. */
export const appLinkSchema = z.object({ connected: z.boolean(), message: z.string().nullable() });
export type AppLink = z.infer<typeof appLinkSchema>;

export const noticeSchema = z.object({ level: z.enum(['info', 'warning', 'error']), message: z.string().max(500) });

const country = z.string().regex(/^[A-Z]{2}$/, 'a country is a two-letter code, e.g. US');

/** The store as main knows it: the country (remembered, or from the system locale), the subscription and recent purchases. */
export const storeStateSchema = z.object({
  /** the country the user chose, remembered; null until they choose */
  country: country.nullable(),
  /** from the system's locale: what the store shows until the user chooses */
  defaultCountry: country.nullable(),
  /** null when offline or not loaded yet */
  subscription: subscriptionViewSchema.nullable(),
  /** newest first, as last seen (cached for offline) */
  purchases: z.array(purchaseSchema).max(50),
  online: z.boolean(),
});
export type StoreState = z.infer<typeof storeStateSchema>;

/** A checkout started: where to pay, and whether main already opened it in the system browser (browser mode opens a tab itself). */
export const checkoutStartedSchema = z.object({ purchase: purchaseSchema, opened: z.boolean() });

/** Method name → input and output schemas. One named function per method in window.credits; nothing generic. */
export const ipcMethods = {
  getWalletView: { input: noInput, output: walletViewSchema },
  refreshWallet: { input: noInput, output: walletViewSchema },
  getCatalogView: { input: noInput, output: catalogViewSchema },
  preflight: { input: runRequestSchema, output: preflightResultSchema },
  startGeneration: { input: z.object({ request: runRequestSchema, approvedMc: z.int().min(0).max(Number.MAX_SAFE_INTEGER) }).strict(), output: runAcknowledgedSchema },
  cancelGeneration: { input: z.object({ id: z.string().min(1).max(80) }).strict(), output: runAcknowledgedSchema },
  /** main sends every recent run again as `generation` events (before answering), for a window that just loaded */
  replayGenerations: { input: noInput, output: z.object({ count: z.int().min(0).max(200) }) },
  getSettings: { input: noInput, output: settingsViewSchema },
  updateSettings: { input: settingsSchema.partial().strict(), output: settingsViewSchema },
  queryHistory: { input: z.object({ filter: historyFilterSchema, offset: z.int().min(0).max(1_000_000), limit: z.int().min(1).max(500) }).strict(), output: historyPageSchema },
  /** a run row's ledger entries, by id (those still held locally) */
  historyEntries: { input: historyEntriesInputSchema, output: historyEntriesSchema },
  exportHistoryCsv: { input: z.object({ filter: historyFilterSchema }).strict(), output: z.object({ csv: z.string(), fileName: z.string(), rows: z.int().min(0) }) },
  /** the receipt of a purchase, renewal, refund or failed payment in History */
  getReceipt: { input: receiptInputSchema, output: receiptSchema },
  /** main writes the receipt as a file: a save dialog in Electron, a download address in browser mode */
  saveReceipt: { input: receiptInputSchema, output: savedReceiptSchema },
  getSpendChart: { input: noInput, output: spendChartSchema },
  getWarnings: { input: noInput, output: warningsSchema },
  getStoreState: { input: noInput, output: storeStateSchema },
  setCountry: { input: z.object({ country }).strict(), output: storeStateSchema },
  buyPack: { input: z.object({ packId: z.string().min(1).max(80), country, saveCard: z.boolean().optional() }).strict(), output: checkoutStartedSchema },
  subscribe: { input: z.object({ planId: z.string().min(1).max(80), period: z.enum(BILLING_PERIODS), country }).strict(), output: checkoutStartedSchema },
  changeSubscription: { input: z.object({ planId: z.string().min(1).max(80), period: z.enum(BILLING_PERIODS) }).strict(), output: subscriptionChangeAnswerSchema.extend({ opened: z.boolean() }) },
  cancelSubscription: { input: noInput, output: subscriptionChangeAnswerSchema.extend({ opened: z.boolean() }) },
  /** takes back a cancel at the period's end, until the period ends */
  resumeSubscription: { input: noInput, output: subscriptionChangeAnswerSchema.extend({ opened: z.boolean() }) },
  getPurchase: { input: z.object({ id: z.string().regex(/^pur_[A-Za-z0-9_-]{1,40}$/) }).strict(), output: purchaseSchema },
  /** the user's spend limits, all at once (the operator's stay); answered with the wallet that carries them */
  setSpendLimits: { input: setSpendLimitsBodySchema, output: walletViewSchema },
  /** auto top-up's settings (opt-in, a cap required), kept by the server; answered with the wallet that carries them */
  setAutoTopUp: { input: autoTopUpSettingsSchema, output: walletViewSchema },
  resumeAutoTopUp: { input: noInput, output: walletViewSchema },
  /** the offline cost planner, computed by main from the cached catalog and wallet (works with the server stopped) */
  planCosts: { input: planInputSchema, output: planViewSchema },
  /** training jobs: from the server when online, else the last list main kept */
  listTrainings: { input: noInput, output: z.object({ items: z.array(trainingSchema), source: z.enum(['live', 'cache']) }) },
  startTraining: { input: createTrainingBodySchema, output: trainingSchema },
  cancelTraining: { input: z.object({ id: z.string().min(1).max(80) }).strict(), output: trainingSchema },
  /** what the user typed on Generate, kept by main (it outlives the page's storage); null: nothing saved yet */
  getDrafts: { input: noInput, output: draftsSchema.nullable() },
  saveDrafts: { input: draftsInputSchema, output: draftsSchema },
  /** the Plan page's lines, kept by main; null: nothing saved yet */
  getPlanLines: { input: noInput, output: planLinesSchema.nullable() },
  savePlanLines: { input: planLinesSchema, output: planLinesSchema },
  /** accounts and the theme (accounts-contract.ts) */
  ...accountsIpcMethods,
} as const satisfies Record<IpcMethodName, { input: z.ZodType; output: z.ZodType }>;
export type IpcInput<M extends IpcMethodName> = z.input<(typeof ipcMethods)[M]['input']>;
export type IpcOutput<M extends IpcMethodName> = z.output<(typeof ipcMethods)[M]['output']>;

/** Event name → payload schema, pushed from main to the renderer. `generation` is the only way runs reach the renderer. */
export const ipcEvents = {
  walletView: walletViewSchema,
  catalogView: catalogViewSchema,
  generation: generationViewSchema,
  notice: noticeSchema,
  warnings: warningsSchema,
  historyChanged: z.object({ size: z.int().min(0) }),
  /** a purchase whose status main saw change (pending → paid, failed, canceled, refunded) */
  purchase: purchaseSchema,
  storeState: storeStateSchema,
  training: trainingSchema,
  /** an alert fired: Electron's main shows it as a system notification itself; in browser mode the page does */
  alert: alertEventSchema,
  /**
   * the page's link to main: browser mode's bridge sends it itself when its socket to the app closes (the app stopped: every call is
   * refused at once with `message`) and when it opens again; main never sends it (an Electron window ends with main)
   */
  appLink: appLinkSchema,
  ...accountsIpcEvents,
} as const satisfies Record<IpcEventName, z.ZodType>;
export type IpcEventPayload<E extends IpcEventName> = z.output<(typeof ipcEvents)[E]>;

// Every name has a schema and every schema a name: a compile error here means names.ts and this file disagree.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const methodsMatch: Same<keyof typeof ipcMethods, IpcMethodName> = true;
const eventsMatch: Same<keyof typeof ipcEvents, IpcEventName> = true;
void methodsMatch;
void eventsMatch;

export interface IpcError {
  code: string;
  message: string;
  /** e.g. the new estimate when the price changed */
  details?: Record<string, unknown>;
}
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcError };

/** The shape of window.credits: a promise-returning function per method and an `on<Event>` subscription per event. */
export type CreditsBridge = {
  [M in IpcMethodName]: (input?: IpcInput<M>) => Promise<IpcResult<IpcOutput<M>>>;
} & {
  [E in IpcEventName as `on${Capitalize<E>}`]: (listener: (payload: IpcEventPayload<E>) => void) => () => void;
};
