// Waiting in main's tests for the event that makes a check hold: never a fixed time.

/** Resolves once `check` holds, re-checked on each `event` of `emitter`; fails naming `what` after `timeoutMs`. */
export function until(emitter: NodeJS.EventEmitter, event: string, check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const on = () => {
      if (!check()) return;
      clearTimeout(t);
      emitter.off(event, on);
      resolve();
    };
    emitter.on(event, on);
    on();
  });
}
