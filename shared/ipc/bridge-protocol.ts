// The browser-mode WebSocket protocol between the page's bridge (browser/bridge.ts) and the host (main/web/host.ts): calls, results, events.
export const BRIDGE_PATH = '/__credits/bridge';
export const BRIDGE_SCRIPT_PATH = '/__credits/bridge.js';
export const OUTPUTS_PATH = '/__credits/outputs';
export const MAX_MESSAGE_BYTES = 256 * 1024;

export interface CallMessage {
  type: 'call';
  id: number;
  method: string;
  input?: unknown;
}

export type HostMessage =
  | { type: 'result'; id: number; result: unknown }
  | { type: 'event'; event: string; payload: unknown };
