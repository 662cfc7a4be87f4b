// Settings → Accounts: every account on this computer (name, server, signed in or not, which is active), with Switch, Rename, Sign out and Sign in, and the add form.
import { useId, useState } from 'react';
import { accountNameSchema, accountTokenSchema, MAX_ACCOUNT_NAME_CHARS, MAX_ACCOUNT_TOKEN_CHARS, type AccountView } from '../../../../shared/ipc/contract';
import { Modal } from '../../ui/Modal';
import { useAccountsStore } from '../../stores/accounts-store';
import { AddAccountForm } from './AddAccountForm';

type Editing = { kind: 'rename' | 'signIn' | 'signOut'; id: string } | null;
type Message = { ok: boolean; text: string } | null;

const serverText = (a: AccountView) => (a.server.kind === 'embedded' ? "This computer's own credits server" : a.server.url);

export function AccountsSection() {
  const view = useAccountsStore((s) => s.view);
  const switchTo = useAccountsStore((s) => s.switchTo);
  const signIn = useAccountsStore((s) => s.signIn);
  const [editing, setEditing] = useState<Editing>(null);
  const [message, setMessage] = useState<Message>(null);
  const id = useId();
  const done = (okText: string) => (err: { message: string } | null) => {
    setMessage(err ? { ok: false, text: err.message } : { ok: true, text: okText });
    if (!err) setEditing(null);
  };
  const signingOut = editing?.kind === 'signOut' ? view?.accounts.find((a) => a.id === editing.id) : undefined;
  return (
    <section className="settings-form accounts" aria-labelledby={`${id}-heading`} id="accounts">
      <h2 id={`${id}-heading`}>Accounts</h2>
      {!view && <p className="muted">Loading accounts…</p>}
      {view && (
        <ul className="account-list" aria-label="Accounts on this computer">
          {view.accounts.map((a) => (
            <li key={a.id} className="account-row" data-account-id={a.id} aria-label={a.name} aria-current={a.active ? 'true' : undefined}>
              <div className="account-head">
                <span className="account-name">{a.name}</span>
                {a.active && <span className="badge subtle">Active</span>}
                <span className={a.signedIn ? 'account-state' : 'account-state signed-out'}>{a.signedIn ? 'Signed in' : 'Signed out'}</span>
              </div>
              <span className="hint account-server">{serverText(a)}</span>
              <div className="account-actions">
                {!a.active && (
                  <button type="button" aria-label={`Switch to ${a.name}`} onClick={() => void switchTo(a.id).then(done(`Switched to ${a.name}.`))}>
                    Switch
                  </button>
                )}
                <button type="button" aria-label={`Rename ${a.name}`} aria-expanded={editing?.kind === 'rename' && editing.id === a.id} onClick={() => setEditing({ kind: 'rename', id: a.id })}>
                  Rename
                </button>
                {a.signedIn ? (
                  <button type="button" aria-label={`Sign out of ${a.name}`} onClick={() => setEditing({ kind: 'signOut', id: a.id })}>
                    Sign out
                  </button>
                ) : a.server.kind === 'embedded' ? (
                  <button type="button" aria-label={`Sign in to ${a.name}`} onClick={() => void signIn(a.id).then(done(`Signed in to ${a.name}.`))}>
                    Sign in
                  </button>
                ) : (
                  <button type="button" aria-label={`Sign in to ${a.name}`} aria-expanded={editing?.kind === 'signIn' && editing.id === a.id} onClick={() => setEditing({ kind: 'signIn', id: a.id })}>
                    Sign in
                  </button>
                )}
              </div>
              {editing?.kind === 'rename' && editing.id === a.id && <RenameForm account={a} onDone={done('Renamed.')} onCancel={() => setEditing(null)} />}
              {editing?.kind === 'signIn' && editing.id === a.id && <SignInForm account={a} onDone={done(`Signed in to ${a.name}.`)} onCancel={() => setEditing(null)} />}
            </li>
          ))}
        </ul>
      )}
      {message && (
        <p role={message.ok ? 'status' : 'alert'} className={message.ok ? 'ok' : 'refusal'}>
          {message.text}
        </p>
      )}
      {signingOut && <SignOutDialog account={signingOut} onDone={done(`Signed out of ${signingOut.name}.`)} onClose={() => setEditing(null)} />}
      <AddAccountForm />
    </section>
  );
}

function RenameForm({ account, onDone, onCancel }: { account: AccountView; onDone(err: { message: string } | null): void; onCancel(): void }) {
  const rename = useAccountsStore((s) => s.rename);
  const [name, setName] = useState(account.name);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  return (
    <form
      className="account-inline"
      onSubmit={(e) => {
        e.preventDefault();
        const parsed = accountNameSchema.safeParse(name);
        if (!parsed.success) return setError(parsed.error.issues[0]?.message ?? 'not a name');
        void rename(account.id, parsed.data).then((err) => (err ? setError(err.message) : onDone(null)));
      }}
    >
      <label htmlFor={id}>New name for {account.name}</label>
      <input id={id} value={name} maxLength={MAX_ACCOUNT_NAME_CHARS} onChange={(e) => setName(e.target.value)} autoFocus />
      <button type="submit">Save name</button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      {error && (
        <p role="alert" className="refusal">
          {error}
        </p>
      )}
    </form>
  );
}

function SignInForm({ account, onDone, onCancel }: { account: AccountView; onDone(err: { message: string } | null): void; onCancel(): void }) {
  const signIn = useAccountsStore((s) => s.signIn);
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  return (
    <form
      className="account-inline"
      onSubmit={(e) => {
        e.preventDefault();
        const parsed = accountTokenSchema.safeParse(token);
        if (!parsed.success) return setError(parsed.error.issues[0]?.message ?? 'not a token');
        setBusy(true);
        void signIn(account.id, parsed.data).then((err) => {
          setBusy(false);
          if (err) setError(err.message);
          else onDone(null);
        });
      }}
    >
      <label htmlFor={id}>Token for {account.name}</label>
      <input id={id} type="password" value={token} maxLength={MAX_ACCOUNT_TOKEN_CHARS} onChange={(e) => setToken(e.target.value)} autoComplete="off" autoFocus />
      <button type="submit" disabled={busy}>
        {busy ? 'Checking…' : 'Sign in'}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      {error && (
        <p role="alert" className="refusal">
          {error}
        </p>
      )}
    </form>
  );
}

/** Sign out: keep this account's history and balance on this computer (the default), or remove everything of it (never the first account). */
function SignOutDialog({ account, onDone, onClose }: { account: AccountView; onDone(err: { message: string } | null): void; onClose(): void }) {
  const signOut = useAccountsStore((s) => s.signOut);
  const [keep, setKeep] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  return (
    <Modal title={`Sign out of ${account.name}?`} onClose={onClose}>
      <p>The app forgets this account's token. It asks for a token again when you sign back in.</p>
      <fieldset className="choice">
        <legend>What stays on this computer</legend>
        <div className="check">
          <input type="radio" id={`${id}-keep`} name={`${id}-what`} checked={keep} onChange={() => setKeep(true)} />
          <label htmlFor={`${id}-keep`}>Keep this account's history and balance on this computer</label>
        </div>
        <div className="check">
          <input type="radio" id={`${id}-remove`} name={`${id}-what`} checked={!keep} disabled={account.first} onChange={() => setKeep(false)} aria-describedby={account.first ? `${id}-first` : undefined} />
          <label htmlFor={`${id}-remove`}>Remove everything for this account</label>
        </div>
        {account.first && (
          <p className="hint" id={`${id}-first`}>
            This computer's first account always stays in the list.
          </p>
        )}
      </fieldset>
      {error && (
        <p role="alert" className="refusal">
          {error}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" className="primary" onClick={() => void signOut(account.id, keep).then((err) => (err ? setError(err.message) : onDone(null)))}>
          Sign out
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
