// The browser-mode WebSocket protocol between the page's bridge (browser/bridge.ts) and the host (main/web/host.ts): calls, results, events, ping and pong.
export const BRIDGE_PATH = '/__credits/bridge';
export const BRIDGE_SCRIPT_PATH = '/__credits/bridge.js';
export const OUTPUTS_PATH = '/__credits/outputs';
/** one message: a training job's images (24 MiB decoded, base64 in JSON) are the largest call */
export const MAX_MESSAGE_BYTES = 36 * 1024 * 1024;

export interface CallMessage {
  type: 'call';
  id: number;
  method: string;
  input?: unknown;
}

/** The page's sign-of-life request: the host answers it with a pong at once (the page tells a hung app by the silence). */
export interface PingMessage {
  type: 'ping';
}

export type HostMessage =
  | { type: 'result'; id: number; result: unknown }
  | { type: 'event'; event: string; payload: unknown }
  | { type: 'pong' };
