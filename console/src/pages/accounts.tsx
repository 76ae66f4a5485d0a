// The operator's accounts: create, search, credit, balance and ledger; the account's keys: create
// (the key shown once, with a copy button), spend limit, revoke.

import { useState } from 'preact/hooks';
import { ApiError, call, get, query } from '../api.ts';
import type { Account, ApiKey, LedgerEntry, List } from '../types.ts';
import { CopyButton, Empty, ErrorBanner, Field, Head, useLoad, usd, when } from '../ui.tsx';

/** The message an API error gives for one field, if it names it. */
const fieldMessage = (error: unknown, field: string) => (error instanceof ApiError ? error.forField(field) : undefined);

function useAction() {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, run };
}

function CreateAccount({ onCreated }: { onCreated: (a: Account) => void }) {
  const [name, setName] = useState('');
  const [credit, setCredit] = useState('');
  const action = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const made = await call<Account>('/admin/v1/accounts', { json: { name, ...(credit ? { credit_usd: credit } : {}) } });
      setName('');
      setCredit('');
      onCreated(made.body);
    });
  };
  return (
    <form class="card" onSubmit={submit} aria-label="New account">
      <h2>New account</h2>
      <div class="row wrap">
        <Field label="Name" id="acct-name" error={fieldMessage(action.error, 'name')}>
          <input id="acct-name" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        </Field>
        <Field label="Starting credit (USD)" id="acct-credit">
          <input id="acct-credit" inputMode="decimal" value={credit} placeholder="0" onInput={(e) => setCredit(e.currentTarget.value)} />
        </Field>
      </div>
      <ErrorBanner error={action.error} />
      <button type="submit" disabled={action.busy}>
        Create account
      </button>
    </form>
  );
}

function Keys({ account, onChange }: { account: Account; onChange: () => void }) {
  const [name, setName] = useState('');
  const [limit, setLimit] = useState('');
  const [shown, setShown] = useState<ApiKey>();
  const action = useAction();
  const create = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const made = await call<ApiKey>(`/admin/v1/accounts/${account.id}/keys`, { json: { name: name || 'default', ...(limit ? { spend_limit_usd: limit } : {}) } });
      setShown(made.body);
      setName('');
      setLimit('');
      onChange();
    });
  };
  const revoke = (key: ApiKey) => {
    if (!confirm(`Revoke ${key.name} (${key.prefix}…)? Requests with it stop at once.`)) return;
    void action.run(async () => {
      await call(`/admin/v1/keys/${key.id}`, { method: 'DELETE' });
      onChange();
    });
  };
  return (
    <section class="card" aria-label="Keys">
      <h3>Keys</h3>
      {shown?.key ? (
        <div class="banner success" role="status">
          <p>
            New key <strong>{shown.name}</strong>: copy it now, it is not shown again.
          </p>
          <div class="row">
            <code class="secret" data-testid="new-key">
              {shown.key}
            </code>
            <CopyButton text={shown.key} />
            <button type="button" class="secondary" onClick={() => setShown(undefined)}>
              Done
            </button>
          </div>
        </div>
      ) : null}
      <div class="table-wrap">
        <table>
          <Head cols={['Name', 'Prefix', 'Created', 'Spent / limit', 'State', '']} />
          <tbody>
            {(account.keys ?? []).map((k) => (
              <tr data-key-id={k.id}>
                <td>{k.name}</td>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>{when(k.created_at)}</td>
                <td>
                  {usd(k.spent_usd)} / {k.spend_limit_usd ? usd(k.spend_limit_usd) : 'no limit'}
                </td>
                <td>{k.revoked_at ? <span class="status failed">revoked</span> : <span class="status completed">active</span>}</td>
                <td>
                  {k.revoked_at ? null : (
                    <button type="button" class="danger" onClick={() => revoke(k)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form class="row wrap" onSubmit={create} aria-label="New key">
        <Field label="Key name" id="key-name">
          <input id="key-name" value={name} placeholder="default" onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <Field label="Spend limit (USD)" id="key-limit">
          <input id="key-limit" inputMode="decimal" value={limit} placeholder="none" onInput={(e) => setLimit(e.currentTarget.value)} />
        </Field>
        <button type="submit" disabled={action.busy}>
          Create key
        </button>
      </form>
      <ErrorBanner error={action.error} />
    </section>
  );
}

function AccountDetail({ id, onChange }: { id: string; onChange: () => void }) {
  const account = useLoad((signal) => get<Account>(`/admin/v1/accounts/${id}`, signal), [id]);
  const ledger = useLoad((signal) => get<List<LedgerEntry>>(`/admin/v1/accounts/${id}/ledger?limit=20`, signal), [id]);
  const [amount, setAmount] = useState('');
  const action = useAction();
  const credit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      await call(`/admin/v1/accounts/${id}/credit`, { json: { amount_usd: amount } });
      setAmount('');
      account.reload();
      ledger.reload();
      onChange();
    });
  };
  if (!account.data) return <ErrorBanner error={account.error} />;
  const a = account.data;
  return (
    <div class="detail" data-account-id={a.id}>
      <section class="card">
        <h2>{a.name}</h2>
        <p>
          <code>{a.id}</code> · created {when(a.created_at)}
        </p>
        <p class="balance">
          Balance <strong data-testid="account-balance">{usd(a.balance_usd)}</strong>
        </p>
        <form class="row wrap" onSubmit={credit} aria-label="Credit">
          <Field label="Add credit (USD)" id="credit-amount" error={fieldMessage(action.error, 'amount_usd')}>
            <input id="credit-amount" inputMode="decimal" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} required />
          </Field>
          <button type="submit" disabled={action.busy}>
            Credit
          </button>
        </form>
        <ErrorBanner error={action.error} />
      </section>
      <Keys account={a} onChange={account.reload} />
      <section class="card">
        <h3>Ledger</h3>
        <div class="table-wrap">
          <table>
            <Head cols={['When', 'Kind', 'Amount', 'Charge', 'Model', 'Task']} />
            <tbody>
              {ledger.data?.data.map((e) => (
                <tr>
                  <td>{new Date(e.created_at).toLocaleString()}</td>
                  <td>{e.kind}</td>
                  <td>{usd(e.amount_usd)}</td>
                  <td>{usd(e.charge_usd)}</td>
                  <td>{e.model ?? ''}</td>
                  <td>
                    <code>{e.task_id ?? ''}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}

export function AccountsPage() {
  const [q, setQ] = useState('');
  const [selected, setSelected] = useState<string>();
  const accounts = useLoad((signal) => get<List<Account>>(`/admin/v1/accounts${query({ q, limit: 50 })}`, signal), [q]);
  return (
    <div class="split">
      <div>
        <CreateAccount
          onCreated={(a) => {
            accounts.reload();
            setSelected(a.id);
          }}
        />
        <section class="card">
          <Field label="Search accounts" id="acct-q">
            <input id="acct-q" type="search" value={q} placeholder="name or id" onInput={(e) => setQ(e.currentTarget.value)} />
          </Field>
          <ErrorBanner error={accounts.error} />
          {accounts.data?.data.length === 0 ? <Empty>No accounts match.</Empty> : null}
          <ul class="list" aria-label="Accounts">
            {accounts.data?.data.map((a) => (
              <li>
                <button type="button" class={`list-item${a.id === selected ? ' selected' : ''}`} aria-pressed={a.id === selected} onClick={() => setSelected(a.id)}>
                  <span>{a.name}</span>
                  <span class="muted">{usd(a.balance_usd)}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      </div>
      <div>{selected ? <AccountDetail id={selected} key={selected} onChange={accounts.reload} /> : <Empty>Pick or create an account.</Empty>}</div>
    </div>
  );
}
