// Settings → Theme: System (follows the computer's light or dark setting), Light or Dark; applied at once, kept by main for every account.
import { useId, useState } from 'react';
import { THEMES, type Theme } from '../../../../shared/ipc/contract';
import { useAccountsStore } from '../../stores/accounts-store';

const THEME_LABELS: Record<Theme, string> = { system: 'System', light: 'Light', dark: 'Dark' };

export function ThemeSection() {
  const theme = useAccountsStore((s) => s.theme);
  const setTheme = useAccountsStore((s) => s.setTheme);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  return (
    <section className="settings-form" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Theme</h2>
      <fieldset className="choice theme-choice" aria-describedby={`${id}-hint`}>
        <legend className="visually-hidden">Theme</legend>
        {THEMES.map((t) => (
          <div className="check" key={t}>
            <input type="radio" id={`${id}-${t}`} name={`${id}-theme`} checked={theme === t} onChange={() => void setTheme(t).then((err) => setError(err ? err.message : null))} />
            <label htmlFor={`${id}-${t}`}>{THEME_LABELS[t]}</label>
          </div>
        ))}
      </fieldset>
      <span className="hint" id={`${id}-hint`}>
        System follows your computer's light or dark setting. The theme is the same for every account.
      </span>
      {error && (
        <p role="alert" className="refusal">
          {error}
        </p>
      )}
    </section>
  );
}
