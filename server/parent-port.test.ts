// The embedded server finds Electron's parentPort (methods on its prototype, as Electron's is) and nothing under Node.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { parentPortOf } from './parent-port';

/** Shaped like Electron's ParentPort: an EventEmitter with postMessage on its prototype. */
class FakeParentPort extends EventEmitter {
  sent: unknown[] = [];
  postMessage(m: unknown): void {
    this.sent.push(m);
  }
}

describe('parentPortOf', () => {
  it('is the utility process\'s port, used as it is', () => {
    const port = new FakeParentPort();
    const found = parentPortOf({ parentPort: port });
    expect(found).toBe(port);
    found!.postMessage({ type: 'ready' });
    expect(port.sent).toEqual([{ type: 'ready' }]);
  });

  it('is undefined under Node (no parentPort), and for something that is not a port', () => {
    expect(parentPortOf(process)).toBeUndefined();
    expect(parentPortOf({ parentPort: undefined })).toBeUndefined();
    expect(parentPortOf({ parentPort: { postMessage: () => undefined } })).toBeUndefined();
    expect(parentPortOf({ parentPort: 'port' })).toBeUndefined();
  });
});
