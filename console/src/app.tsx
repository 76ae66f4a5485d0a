// The console's shell: sign-in, then the pages of the signed-in role, chosen by the URL's hash so
// the server serves one page and the back button works.

import { useEffect, useState } from 'preact/hooks';
import { call, setCsrfToken, whenSignedOut } from './api.ts';
import { AccountsPage } from './pages/accounts.tsx';
import { ChannelsPage } from './pages/channels.tsx';
import { ConfigPage } from './pages/config.tsx';
import { HistoryPage } from './pages/history.tsx';
import { OperatorUsagePage } from './pages/operator-usage.tsx';
import { PlaygroundPage } from './pages/playground.tsx';
import { SignIn } from './pages/sign-in.tsx';
import { TaskSearchPage } from './pages/task-search.tsx';
import { UsagePage } from './pages/usage.tsx';
import type { Session } from './types.ts';

interface Page {
  path: string;
  title: string;
  render: (session: Session) => preact.JSX.Element;
}

const USER_PAGES: Page[] = [
  { path: 'playground', title: 'Playground', render: () => <PlaygroundPage /> },
  { path: 'history', title: 'Gallery & history', render: () => <HistoryPage /> },
  { path: 'usage', title: 'Usage', render: () => <UsagePage /> },
];

const OPERATOR_PAGES: Page[] = [
  { path: 'accounts', title: 'Accounts & keys', render: () => <AccountsPage /> },
  { path: 'channels', title: 'Channels', render: () => <ChannelsPage /> },
  { path: 'usage', title: 'Usage', render: () => <OperatorUsagePage /> },
  { path: 'tasks', title: 'Tasks', render: () => <TaskSearchPage /> },
  { path: 'config', title: 'Configuration', render: () => <ConfigPage /> },
];

function useHash(): string {
  const read = () => location.hash.replace(/^#\/?/, '');
  const [hash, setHash] = useState(read);
  useEffect(() => {
    const on = () => setHash(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [ended, setEnded] = useState<string | undefined>();
  const hash = useHash();

  const adopt = (s: Session | null) => {
    setCsrfToken(s?.csrf_token ?? '');
    setSession(s);
  };
  useEffect(() => {
    whenSignedOut(() => {
      adopt(null);
      setEnded('Your session ended (the key was revoked, or the session expired). Sign in again.');
    });
    call<Session>('/console/session').then(
      (a) => adopt(a.body.role ? a.body : null),
      () => adopt(null),
    );
  }, []);

  if (session === undefined) return <main class="loading" aria-busy="true" />;
  if (session === null)
    return (
      <SignIn
        notice={ended}
        onSignedIn={(s) => {
          setEnded(undefined);
          adopt(s);
          location.hash = `#/${s.role === 'operator' ? 'accounts' : 'playground'}`;
        }}
      />
    );

  const pages = session.role === 'operator' ? OPERATOR_PAGES : USER_PAGES;
  const page = pages.find((p) => p.path === hash.split('?')[0]) ?? pages[0];
  const signOut = async () => {
    await call('/console/session', { method: 'DELETE' }).catch(() => {});
    adopt(null);
  };
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Easel</span>
        <nav aria-label="Pages">
          {pages.map((p) => (
            <a href={`#/${p.path}`} aria-current={p === page ? 'page' : undefined}>
              {p.title}
            </a>
          ))}
        </nav>
        <span class="who" data-testid="who">
          {session.role === 'operator' ? 'Operator' : `${session.account_name ?? session.account_id} · ${session.key_name}`}
        </span>
        <button type="button" class="secondary" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <h1>{page.title}</h1>
        {page.render(session)}
      </main>
    </div>
  );
}
