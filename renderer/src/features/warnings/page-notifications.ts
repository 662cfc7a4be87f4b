// Browser mode's system notifications: the page's Notification API, asked for only when the user turns an alert on (Electron's main shows its own).
import type { AlertEvent, SettingsView } from '../../../../shared/ipc/contract';

export type PagePermission = 'granted' | 'denied' | 'default' | 'unsupported';

export const REFUSED_TEXT =
  "Your browser refuses notifications for this page, so alerts show here in the app only. To get them outside the app too, allow notifications for this address in the browser's site settings.";
export const UNSUPPORTED_TEXT = 'This browser cannot show notifications, so alerts show here in the app only.';

function api(): typeof Notification | null {
  return typeof window !== 'undefined' && 'Notification' in window ? window.Notification : null;
}

/** Where the page stands: granted, refused, not asked yet, or no Notification API at all. */
export function pagePermission(): PagePermission {
  const n = api();
  return n ? n.permission : 'unsupported';
}

/** Asks the browser once, when the user turns an alert on (a click: browsers ask only then); answers where the page then stands. */
export async function askPagePermission(): Promise<PagePermission> {
  const n = api();
  if (!n) return 'unsupported';
  if (n.permission !== 'default') return n.permission;
  try {
    return await n.requestPermission();
  } catch {
    return n.permission;
  }
}

/** Shows an alert as a system notification from the page, in browser mode and with permission; the tag keeps two tabs to one. */
export function showPageNotification(alert: AlertEvent, settings: SettingsView | null): boolean {
  const n = api();
  if (settings?.notifications !== 'page' || !n || n.permission !== 'granted') return false;
  try {
    new n(alert.title, { body: alert.body, tag: alert.key });
    return true;
  } catch {
    return false; // a browser that allows notifications only from a service worker: the banner still shows it
  }
}
