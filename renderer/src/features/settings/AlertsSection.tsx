// Settings → Alerts: each alert on or off (balance below the warning level, a spend limit N% used, credits expiring within N days, an auto top-up), with its level.
import { useEffect, useId, useState, type ReactNode } from 'react';
import { EXPIRY_ALERT_DAYS, parseAlertNumber, SPEND_ALERT_PERCENT, type AlertSettings } from '../../../../shared/rules/alerts';
import { formatCredits } from '../../../../shared/rules/money';
import { useAppStore } from '../../stores/app-store';
import { askPagePermission, pagePermission, REFUSED_TEXT, UNSUPPORTED_TEXT, type PagePermission } from '../warnings/page-notifications';

type Toggle = 'lowBalanceAlert' | 'spendLimitAlert' | 'expiryAlert' | 'autoTopUpAlert';
/** The alerts as being edited: the switches, and the levels as typed. */
type Draft = Record<Toggle, boolean> & { percent: string; days: string };

const TOGGLES: readonly Toggle[] = ['lowBalanceAlert', 'spendLimitAlert', 'expiryAlert', 'autoTopUpAlert'];

function draftOf(s: AlertSettings): Draft {
  return { ...pick(s), percent: String(s.spendLimitAlertPercent), days: String(s.expiryAlertDays) };
}
function pick(s: Record<Toggle, boolean>): Record<Toggle, boolean> {
  return { lowBalanceAlert: s.lowBalanceAlert, spendLimitAlert: s.spendLimitAlert, expiryAlert: s.expiryAlert, autoTopUpAlert: s.autoTopUpAlert };
}

function AlertRow({ label, checked, onToggle, hint, children }: { label: string; checked: boolean; onToggle: (on: boolean) => void; hint: string; children?: ReactNode }) {
  const id = useId();
  return (
    <li className="alert-row">
      <input type="checkbox" id={id} checked={checked} onChange={(e) => onToggle(e.target.checked)} aria-describedby={`${id}-hint`} />
      <div>
        <label htmlFor={id}>{label}</label>
        {children}
        <span className="hint" id={`${id}-hint`}>
          {hint}
        </span>
      </div>
    </li>
  );
}

function LevelInput({ label, value, onChange }: { label: string; value: string; onChange: (v: string) => void }) {
  const id = useId();
  return (
    <span className="alert-level">
      <label htmlFor={id}>{label}</label>
      <input id={id} inputMode="numeric" size={4} value={value} onChange={(e) => onChange(e.target.value)} />
    </span>
  );
}

/** What the page can do about system notifications, in words; null when there is nothing to say. */
function permissionText(p: PagePermission, anyOn: boolean): string | null {
  if (!anyOn) return null;
  if (p === 'denied') return REFUSED_TEXT;
  if (p === 'unsupported') return UNSUPPORTED_TEXT;
  if (p === 'default') return 'Alerts show here in the app. Your browser has not been asked to show them as notifications yet: it asks when you turn an alert on.';
  return null;
}

export function AlertsSection() {
  const settings = useAppStore((s) => s.settings);
  const save = useAppStore((s) => s.saveSettings);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [permission, setPermission] = useState<PagePermission>(pagePermission);
  const headingId = useId();
  useEffect(() => {
    if (settings) setDraft(draftOf(settings));
  }, [settings]);
  if (!settings || !draft) return null;
  const inPage = settings.notifications === 'page';
  const toggle = (k: Toggle) => (on: boolean) => {
    setDraft({ ...draft, [k]: on });
    // browser mode: the browser is asked only now, when the user turns an alert on
    if (on && inPage) void askPagePermission().then(setPermission);
  };
  const apply = () => {
    let spendLimitAlertPercent: number;
    let expiryAlertDays: number;
    try {
      spendLimitAlertPercent = parseAlertNumber(draft.percent, 'percent');
      expiryAlertDays = parseAlertNumber(draft.days, 'days');
    } catch (err) {
      return setMessage({ ok: false, text: (err as Error).message });
    }
    void save({ ...pick(draft), spendLimitAlertPercent, expiryAlertDays }).then((err) => setMessage(err ? { ok: false, text: err.message } : { ok: true, text: 'Alerts saved.' }));
  };
  const level = settings.lowBalanceThresholdMc === null ? "your plan's default (20% of its credits per period, at least 10)" : `${formatCredits(settings.lowBalanceThresholdMc)} credits`;
  const note = inPage ? permissionText(permission, TOGGLES.some((k) => draft[k])) : null;
  return (
    <section className="settings-form" aria-labelledby={headingId} data-testid="alerts">
      <h2 id={headingId}>Alerts</h2>
      <p className="hint">Each alert shows here in the app and as a system notification, once each time it happens.</p>
      <ul className="alert-rows">
        <AlertRow label="Balance below your warning level" checked={draft.lowBalanceAlert} onToggle={toggle('lowBalanceAlert')} hint={`Your warning level is ${level}: set it above, in "Warn when the balance falls below". Once each time the balance drops below it, again after it has risen above.`} />
        <AlertRow label="A spend limit nearly used" checked={draft.spendLimitAlert} onToggle={toggle('spendLimitAlert')} hint={`From ${SPEND_ALERT_PERCENT.min} to ${SPEND_ALERT_PERCENT.max}%, default ${SPEND_ALERT_PERCENT.default}%. When a limit's spent and held credits reach this share: once per limit per day, week or month; a new window starts over.`}>
          <LevelInput label="Alert at (% of the limit)" value={draft.percent} onChange={(percent) => setDraft({ ...draft, percent })} />
        </AlertRow>
        <AlertRow label="Credits expiring soon" checked={draft.expiryAlert} onToggle={toggle('expiryAlert')} hint={`From ${EXPIRY_ALERT_DAYS.min} to ${EXPIRY_ALERT_DAYS.max} days, default ${EXPIRY_ALERT_DAYS.default}. Once per grant of credits; daily free credits are left out (they reset every day).`}>
          <LevelInput label="Days before they expire" value={draft.days} onChange={(days) => setDraft({ ...draft, days })} />
        </AlertRow>
        <AlertRow label="Auto top-up bought or failed" checked={draft.autoTopUpAlert} onToggle={toggle('autoTopUpAlert')} hint="Once per top-up: the pack and its price, or why it failed and that the Store can fix it." />
      </ul>
      {note && (
        <p className={permission === 'default' ? 'hint' : 'refusal'} data-testid="notification-permission">
          {note}
        </p>
      )}
      <div>
        <button type="button" className="primary" onClick={apply}>
          Apply alerts
        </button>
      </div>
      {message && (
        <p role={message.ok ? 'status' : 'alert'} className={message.ok ? 'ok' : 'refusal'}>
          {message.text}
        </p>
      )}
    </section>
  );
}
