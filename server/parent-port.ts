// The port to the app that started this server when Electron's utilityProcess did (process.parentPort, not in Node's types).

export type ParentPort = { postMessage(m: unknown): void; on(event: 'message', listener: (e: { data: unknown }) => void): void };

const isParentPort = (v: unknown): v is ParentPort => typeof v === 'object' && v !== null && 'postMessage' in v && typeof v.postMessage === 'function' && 'on' in v && typeof v.on === 'function';

/** The process's parentPort under Electron's utilityProcess; undefined under Node (fork's channel is process.send). */
export function parentPortOf(proc: object): ParentPort | undefined {
  return 'parentPort' in proc && isParentPort(proc.parentPort) ? proc.parentPort : undefined;
}
