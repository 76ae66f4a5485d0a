// One result card: the images with their download and "use as reference", and what produced them —
// the parameters, the values Easel chose (normalized), the cost and the task id.

import type { ImageData } from './types.ts';
import { ErrorBanner, usd } from './ui.tsx';

export interface ResultView {
  model: string;
  status: string;
  progress?: number;
  images: ImageData[];
  parameters?: Record<string, unknown>;
  normalized?: Record<string, string>;
  cost?: string | null;
  taskId?: string;
  error?: unknown;
  via?: string;
}

export const imageSrc = (image: ImageData) => image.url ?? (image.b64_json ? `data:image/png;base64,${image.b64_json}` : '');

function Pairs({ values }: { values?: Record<string, unknown> }) {
  const entries = Object.entries(values ?? {}).filter(([k, v]) => k !== 'prompt' && v !== undefined && v !== '');
  if (!entries.length) return null;
  return (
    <dl class="pairs">
      {entries.map(([k, v]) => (
        <>
          <dt>{k}</dt>
          <dd>{typeof v === 'object' ? JSON.stringify(v) : String(v)}</dd>
        </>
      ))}
    </dl>
  );
}

export function ResultCard({ result, onReference }: { result: ResultView; onReference?: (url: string) => void }) {
  const done = result.status === 'completed';
  const prompt = result.parameters?.prompt;
  return (
    <article class="result card" data-status={result.status} data-testid="result">
      <header>
        <strong>{result.model}</strong>
        <span class={`status ${result.status}`}>{result.status}</span>
        {!done && result.status !== 'failed' ? (
          <progress max={100} value={result.progress ?? undefined} aria-label="Progress">
            {result.progress ?? 0}%
          </progress>
        ) : null}
      </header>
      {typeof prompt === 'string' && prompt ? <p class="prompt">{prompt}</p> : null}
      <div class="images">
        {result.images.map((image, i) => {
          const src = imageSrc(image);
          return (
            <figure>
              <a href={src} target="_blank" rel="noopener">
                <img src={src} alt={image.revised_prompt ?? `Result ${i + 1}`} loading="lazy" />
              </a>
              <figcaption>
                <a class="button secondary" href={src} download={`easel-${result.taskId ?? 'image'}-${i + 1}.png`}>
                  Download
                </a>
                {onReference && image.url ? (
                  <button type="button" class="secondary" onClick={() => onReference(image.url!)}>
                    Use as reference
                  </button>
                ) : null}
              </figcaption>
            </figure>
          );
        })}
      </div>
      {result.error ? <ErrorBanner error={result.error} /> : null}
      <dl class="pairs meta">
        <dt>cost</dt>
        <dd data-testid="cost">{usd(result.cost)}</dd>
        <dt>task</dt>
        <dd>
          <code data-testid="task-id">{result.taskId ?? '—'}</code>
        </dd>
        {result.via ? (
          <>
            <dt>delivered</dt>
            <dd>{result.via}</dd>
          </>
        ) : null}
      </dl>
      <Pairs values={result.parameters} />
      {result.normalized && Object.keys(result.normalized).length ? (
        <details>
          <summary>Normalized by Easel</summary>
          <Pairs values={result.normalized} />
        </details>
      ) : null}
    </article>
  );
}
