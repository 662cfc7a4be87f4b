// The names of the renderer↔main methods and events, with no dependencies, so the sandboxed preload can build window.credits from them.
export const IPC_METHOD_NAMES = [
  'getWalletView',
  'refreshWallet',
  'getCatalogView',
  'preflight',
  'startGeneration',
  'cancelGeneration',
  'replayGenerations',
  'getSettings',
  'updateSettings',
  'queryHistory',
  'historyEntries',
  'exportHistoryCsv',
  'getReceipt',
  'saveReceipt',
  'getSpendChart',
  'getWarnings',
  'getStoreState',
  'setCountry',
  'buyPack',
  'subscribe',
  'changeSubscription',
  'cancelSubscription',
  'resumeSubscription',
  'getPurchase',
  'setSpendLimits',
  'setAutoTopUp',
  'resumeAutoTopUp',
  'planCosts',
  'listTrainings',
  'startTraining',
  'cancelTraining',
  'getDrafts',
  'saveDrafts',
  'getPlanLines',
  'savePlanLines',
  'listAccounts',
  'addAccount',
  'renameAccount',
  'switchAccount',
  'signOut',
  'signIn',
  'getTheme',
  'setTheme',
] as const;
export const IPC_EVENT_NAMES = ['walletView', 'catalogView', 'generation', 'notice', 'warnings', 'historyChanged', 'purchase', 'storeState', 'training', 'alert', 'appLink', 'accounts', 'accountChanged'] as const;
export type IpcMethodName = (typeof IPC_METHOD_NAMES)[number];
export type IpcEventName = (typeof IPC_EVENT_NAMES)[number];

export const ipcChannel = (method: IpcMethodName): string => `credits:${method}`;
export const ipcEventChannel = (event: IpcEventName): string => `credits:event:${event}`;

/** `walletView` → `onWalletView`: the name of an event's subscription function in window.credits. */
export const eventListenerName = <E extends IpcEventName>(event: E): `on${Capitalize<E>}` =>
  `on${event.charAt(0).toUpperCase()}${event.slice(1)}` as `on${Capitalize<E>}`;
