import { useState } from 'preact/hooks';
import { call } from '../api.ts';
import type { Session } from '../types.ts';
import { ErrorBanner, Field } from '../ui.tsx';

export function SignIn({ onSignedIn, notice }: { onSignedIn: (s: Session) => void; notice?: string }) {
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn((await call<Session>('/console/session', { json: { secret }, quiet401: true })).body);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in" id="main">
      <form onSubmit={submit} class="card">
        <h1>Easel Console</h1>
        <p>Sign in with an API key to create images, or with the admin token to run the deployment.</p>
        {notice ? (
          <div class="banner" role="status">
            {notice}
          </div>
        ) : null}
        <Field label="API key or admin token" id="secret">
          <input id="secret" name="secret" type="password" autocomplete="current-password" value={secret} onInput={(e) => setSecret(e.currentTarget.value)} required />
        </Field>
        <ErrorBanner error={error} />
        <button type="submit" disabled={busy || !secret}>
          Sign in
        </button>
      </form>
    </main>
  );
}
