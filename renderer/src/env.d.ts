// The renderer's only door to the app: window.credits, typed from the IPC contract in shared/.
import type { CreditsBridge } from '../../shared/ipc/contract';

declare global {
  interface Window {
    credits?: CreditsBridge;
  }
}
export {};
