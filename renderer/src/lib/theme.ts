// The app's theme on the page: data-theme on <html> (system, light or dark; styles.css has the palettes), set before the first render.
import type { Theme } from '../../../shared/ipc/contract';

/** the page's own copy (this origin's storage): applied synchronously as the page's code loads, before main has answered */
const THEME_COPY_KEY = 'credits.theme';
/** the contract's themes, listed here so that its schemas stay out of the first chunk */
const KNOWN_THEMES: readonly string[] = ['system', 'light', 'dark'] satisfies Theme[];

function keepCopy(theme: Theme): void {
  try {
    localStorage.setItem(THEME_COPY_KEY, theme);
  } catch {
    // no storage: main's answer still sets it before the first render
  }
}

/** Applies a theme at once: 'system' follows prefers-color-scheme, the others fix the palette. */
export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  keepCopy(theme);
}

function applyCopy(): void {
  try {
    const t = localStorage.getItem(THEME_COPY_KEY);
    if (t && KNOWN_THEMES.includes(t)) document.documentElement.dataset.theme = t;
  } catch {
    // no storage
  }
}

/**
 * Main's theme (it keeps it for every start), asked for as this module loads, beside the first wallet view: the first render waits
 * for both (firstViewSettled), so a dark theme paints dark from the first frame. The page's copy is applied before even that.
 */
export const firstTheme: Promise<void> =
  typeof window !== 'undefined' && window.credits
    ? (applyCopy(),
      window.credits.getTheme().then(
        (r) => {
          if (r.ok) applyTheme(r.value);
        },
        () => {},
      ))
    : Promise.resolve();
