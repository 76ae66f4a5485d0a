// The effective configuration (GET /admin/v1/config), every secret masked by the server.

import { get } from '../api.ts';
import { ErrorBanner, useLoad } from '../ui.tsx';

export function ConfigPage() {
  const config = useLoad((signal) => get<{ config: Record<string, unknown> }>('/admin/v1/config', signal), []);
  return (
    <div>
      <ErrorBanner error={config.error} />
      <p class="hint">As this server started, defaults filled in. Secrets are masked by the server and never reach the page. Channels reloaded by SIGHUP show on the Channels page.</p>
      {config.data ? (
        <pre class="card config" data-testid="config" tabIndex={0}>
          {JSON.stringify(config.data.config, null, 2)}
        </pre>
      ) : null}
    </div>
  );
}
