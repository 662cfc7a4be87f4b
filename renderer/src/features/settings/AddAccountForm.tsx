// Settings → Accounts → Add an account: a name, a credits server's address and a token; main checks them with the server before keeping anything.
import { useId, useState } from 'react';
import { accountNameSchema, accountTokenSchema, MAX_ACCOUNT_NAME_CHARS, MAX_ACCOUNT_TOKEN_CHARS, MAX_SERVER_URL_CHARS, serverUrlSchema } from '../../../../shared/ipc/contract';
import { useAccountsStore } from '../../stores/accounts-store';

/** The first problem with what was typed, in the contract's own words (main checks the same again); null when it may be sent. */
function typedProblem(name: string, url: string, token: string): string | null {
  for (const [schema, value] of [
    [accountNameSchema, name],
    [serverUrlSchema, url],
    [accountTokenSchema, token],
  ] as const) {
    const r = schema.safeParse(value);
    if (!r.success) return r.error.issues[0]?.message ?? 'not valid';
  }
  return null;
}

export function AddAccountForm() {
  const add = useAccountsStore((s) => s.add);
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  return (
    <form
      className="add-account"
      aria-labelledby={`${id}-heading`}
      onSubmit={(e) => {
        e.preventDefault();
        const problem = typedProblem(name, url, token);
        setError(problem);
        if (problem) return;
        setBusy(true);
        // on success main switches to the new account and the page reloads; on failure what was typed stays, with the server's words
        void add({ name, url, token }).then((err) => {
          setBusy(false);
          setError(err ? err.message : null);
        });
      }}
    >
      <h3 id={`${id}-heading`}>Add an account</h3>
      <p className="hint">An account on another credits server (or another account on one): its address and a token from its operator. The app switches to it once the server accepts the token.</p>
      <div className="field">
        <label htmlFor={`${id}-name`}>Account name</label>
        <input id={`${id}-name`} value={name} maxLength={MAX_ACCOUNT_NAME_CHARS} onChange={(e) => setName(e.target.value)} autoComplete="off" />
      </div>
      <div className="field">
        <label htmlFor={`${id}-url`}>Server address</label>
        <input id={`${id}-url`} value={url} maxLength={MAX_SERVER_URL_CHARS} inputMode="url" placeholder="https://credits.example" onChange={(e) => setUrl(e.target.value)} autoComplete="off" />
      </div>
      <div className="field">
        <label htmlFor={`${id}-token`}>Token</label>
        <input id={`${id}-token`} type="password" value={token} maxLength={MAX_ACCOUNT_TOKEN_CHARS} onChange={(e) => setToken(e.target.value)} autoComplete="off" aria-describedby={`${id}-token-hint`} />
        <span className="hint" id={`${id}-token-hint`}>
          Kept by the app on this computer (encrypted where the system has a keychain) and never shown again.
        </span>
      </div>
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Checking with the server…' : 'Add and switch'}
      </button>
      {error && (
        <p role="alert" className="refusal">
          {error}
        </p>
      )}
    </form>
  );
}
