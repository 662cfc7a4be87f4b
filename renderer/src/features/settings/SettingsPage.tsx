// Settings: the auto-approve limit under which runs start without a confirmation, the low-balance level, spend limits, alerts, accounts, the theme, and where the sign-in is kept.
import { useEffect, useId, useState } from 'react';
import { CreditAmountError, formatCredits, parseCredits } from '../../../../shared/rules/money';
import { SETTINGS_MAX_MC, type TokenStorage } from '../../../../shared/ipc/contract';
import { useAppStore } from '../../stores/app-store';
import { SpendLimitsSection } from './SpendLimits';
import { AlertsSection } from './AlertsSection';
import { AccountsSection } from './AccountsSection';
import { ThemeSection } from './ThemeSection';

const TOKEN_STORAGE_TEXT: Record<TokenStorage, { warn: boolean; text: string }> = {
  encrypted: { warn: false, text: "Your sign-in is saved on this computer, encrypted with your system's keychain." },
  memory: {
    warn: true,
    text: "This computer has no keychain the app can encrypt with, so your sign-in is kept in memory for this session only and never written to disk. You'll be signed in again the next time the app starts.",
  },
  'user-file': { warn: false, text: 'Your sign-in is saved in a file only your user account can read (browser mode).' },
};

export function SettingsPage() {
  const settings = useAppStore((s) => s.settings);
  const save = useAppStore((s) => s.saveSettings);
  const [text, setText] = useState('');
  const [lowText, setLowText] = useState('');
  const lowId = useId();
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const id = useId();
  useEffect(() => {
    if (settings) {
      setText(formatCredits(settings.autoApproveMc).replace(/,/g, ''));
      setLowText(settings.lowBalanceThresholdMc === null ? '' : formatCredits(settings.lowBalanceThresholdMc).replace(/,/g, ''));
    }
  }, [settings]);
  return (
    <main className="page" aria-labelledby="settings-heading">
      <h1 id="settings-heading">Settings</h1>
      <form
        className="settings-form"
        onSubmit={(e) => {
          e.preventDefault();
          let mc: number;
          let lowMc: number | null;
          try {
            // out of range is refused with the range, never clamped; the same limits main checks
            mc = parseCredits(text, { maxMc: SETTINGS_MAX_MC, subjectAndVerb: 'The auto-approve limit may be' });
            lowMc = lowText.trim() === '' ? null : parseCredits(lowText, { maxMc: SETTINGS_MAX_MC, subjectAndVerb: 'The low-balance warning level may be' });
          } catch (err) {
            setMessage({ ok: false, text: err instanceof CreditAmountError ? err.message : 'not a credit amount' });
            return;
          }
          void save({ autoApproveMc: mc, lowBalanceThresholdMc: lowMc }).then((err) => setMessage(err ? { ok: false, text: err.message } : { ok: true, text: 'Saved.' }));
        }}
      >
        <div className="field">
          <label htmlFor={id}>Auto-approve runs up to (credits)</label>
          <input id={id} inputMode="decimal" value={text} onChange={(e) => setText(e.target.value)} aria-describedby={`${id}-hint`} />
          <span className="hint" id={`${id}-hint`}>
            From 0 to 1,000,000 credits. Runs whose estimate is at or under this start at once; above it you are asked to approve. 0 asks every time.
          </span>
        </div>
        <div className="field">
          <label htmlFor={lowId}>Warn when the balance falls below (credits)</label>
          <input id={lowId} inputMode="decimal" value={lowText} placeholder="plan default" onChange={(e) => setLowText(e.target.value)} aria-describedby={`${lowId}-hint`} />
          <span className="hint" id={`${lowId}-hint`}>
            From 0 to 1,000,000 credits. Empty uses your plan's default: 20% of its credits per period, at least 10. You are warned once each time the balance drops below it.
          </span>
        </div>
        <button type="submit" className="primary">
          Save
        </button>
        {message && (
          <p role={message.ok ? 'status' : 'alert'} className={message.ok ? 'ok' : 'refusal'}>
            {message.text}
          </p>
        )}
      </form>
      <SpendLimitsSection />
      <AlertsSection />
      <AccountsSection />
      <ThemeSection />
      {settings && (
        <section className="settings-form" aria-labelledby={`${id}-signin`}>
          <h2 id={`${id}-signin`}>Sign-in</h2>
          <p className={TOKEN_STORAGE_TEXT[settings.tokenStorage].warn ? 'refusal' : 'hint'} data-token-storage={settings.tokenStorage}>
            {TOKEN_STORAGE_TEXT[settings.tokenStorage].text}
          </p>
        </section>
      )}
    </main>
  );
}
