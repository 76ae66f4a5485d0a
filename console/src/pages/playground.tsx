// The playground: a model (recommended and available first), its form made from its contract, the
// request checked and quoted by a dry run as the fields change (the API's own messages beside the
// fields they name), then the create: inline images, or a task followed to its end.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, call, get } from '../api.ts';
import { blobToDataUrl, type FieldSpec, formShape, type InputImage, operationsOf, requestBody, variationForm } from '../playground/contract.ts';
import { type Job, runJob } from '../playground/job.ts';
import { MaskPainter } from '../playground/mask-painter.tsx';
import { takeReference } from '../reference.ts';
import { ResultCard } from '../results.tsx';
import type { List, ModelDetails, ModelSummary } from '../types.ts';
import { ErrorBanner, Field, useLoad } from '../ui.tsx';

const DRY_RUN_DELAY_MS = 300;

interface Quote {
  estimated_cost_usd: string;
}

function FieldInput({ spec, value, onInput, error }: { spec: FieldSpec; value: string; onInput: (v: string) => void; error?: string }) {
  const id = `f-${spec.name}`;
  const described = error ? { 'aria-invalid': true, 'aria-describedby': `${id}-error` } : {};
  const input = (e: Event) => onInput((e.currentTarget as HTMLInputElement).value);
  let control;
  if (spec.kind === 'textarea') control = <textarea id={id} name={spec.name} rows={3} maxLength={spec.maxLength} value={value} onInput={input} {...described} />;
  else if (spec.kind === 'select')
    control = (
      <select id={id} name={spec.name} value={value} onChange={input} {...described}>
        <option value="">{spec.defaultValue ? `default (${spec.defaultValue})` : 'default'}</option>
        {spec.options.map((o) => (
          <option value={o}>{o}</option>
        ))}
      </select>
    );
  else if (spec.kind === 'number') control = <input id={id} name={spec.name} type="number" min={spec.min} max={spec.max} value={value} onInput={input} {...described} />;
  else control = <input id={id} name={spec.name} type="text" placeholder={spec.placeholder} value={value} onInput={input} autocomplete="off" spellcheck={false} {...described} />;
  return (
    <Field label={spec.label} id={id} error={error} hint={spec.kind === 'text' ? spec.hint : undefined}>
      {control}
    </Field>
  );
}

export function PlaygroundPage() {
  const models = useLoad((signal) => get<List<ModelSummary>>('/v1/models?recommended_for=image', signal), []);
  const [modelId, setModelId] = useState('');
  const [operation, setOperation] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const [images, setImages] = useState<InputImage[]>([]);
  const [mask, setMask] = useState<string>();
  const [check, setCheck] = useState<{ quote?: Quote; error?: ApiError; pending: boolean }>({ pending: false });
  const [submitted, setSubmitted] = useState(false);
  const [jobs, setJobs] = useState<Job[]>([]);
  const nextKey = useRef(1);

  useEffect(() => {
    if (!modelId && models.data?.data.length) setModelId(models.data.data.find((m) => m.available)?.id ?? models.data.data[0].id);
  }, [models.data]);
  const details = useLoad((signal) => (modelId ? get<ModelDetails>(`/v1/models/${encodeURIComponent(modelId)}`, signal) : Promise.resolve(undefined)), [modelId]);
  const operations = details.data ? operationsOf(details.data) : [];
  const op = operations.includes(operation) ? operation : operations[0];
  const shape = useMemo(() => (details.data && op ? formShape(details.data, op) : undefined), [details.data, op]);

  // A picture from the gallery, or one of this page's results, to start an image-to-image or edit from.
  const adoptReference = async (url: string) => {
    const blob = await (await fetch(url)).blob();
    setImages([{ name: url.split('/').pop() ?? 'reference.png', dataUrl: await blobToDataUrl(blob) }]);
    const next = operations.find((o) => o === 'image-to-image' || o === 'image-edit');
    if (next) setOperation(next);
  };
  useEffect(() => {
    const url = takeReference();
    if (url) void adoptReference(url);
  }, [details.data]);

  const body = useMemo(() => (shape && modelId ? requestBody(modelId, shape, values, images.slice(0, shape.maxImages), mask) : undefined), [shape, modelId, values, images, mask]);
  const bodyText = body ? JSON.stringify(body) : '';

  // The dry run: the API validates and quotes the request as it stands, a moment after the last change.
  useEffect(() => {
    if (!shape || !body || shape.operation === 'variation') return setCheck({ pending: false });
    const abort = new AbortController();
    setCheck((c) => ({ ...c, pending: true }));
    const timer = setTimeout(() => {
      call<Quote>(shape.endpoint, { json: body, headers: { 'x-easel-dry-run': '1' }, signal: abort.signal }).then(
        (a) => setCheck({ quote: a.body, pending: false }),
        (error) => !abort.signal.aborted && setCheck({ error: error instanceof ApiError ? error : undefined, pending: false }),
      );
    }, DRY_RUN_DELAY_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [bodyText]);

  const fieldError = (name: string) => {
    const message = check.error?.forField(name);
    // "Prompt is required" waits until the user tries to send: an empty form is not an error yet.
    if (name === 'prompt' && !submitted && !values.prompt) return undefined;
    return message;
  };
  const shownNames = new Set([...(shape?.fields.map((f) => f.name) ?? [])]);
  const otherError = check.error && !(check.error.param && shownNames.has(check.error.param)) && !(check.error.param === 'prompt' && !submitted) ? check.error : undefined;

  const addFiles = async (files: FileList | null) => {
    if (!files || !shape) return;
    const read = await Promise.all([...files].map(async (f) => ({ name: f.name, dataUrl: await blobToDataUrl(f) })));
    setImages((current) => [...current, ...read].slice(0, shape.maxImages));
    setMask(undefined);
  };

  const generate = async (e: Event) => {
    e.preventDefault();
    setSubmitted(true);
    if (!shape || !body) return;
    const { model: _model, images: inputs, image_urls: urls, mask: painted, ...parameters } = body as Record<string, unknown>;
    if (Array.isArray(inputs ?? urls)) parameters.input_images = ((inputs ?? urls) as unknown[]).length;
    if (painted) parameters.mask = true;
    const job: Job = { key: nextKey.current++, model: modelId, parameters, status: 'running', images: [] };
    setJobs((list) => [job, ...list]);
    const update = (patch: Partial<Job>) => setJobs((list) => list.map((j) => (j.key === job.key ? { ...j, ...patch } : j)));
    const send = () => (shape.operation === 'variation' ? call(shape.endpoint, { form: variationForm(body, images) }) : call(shape.endpoint, { json: body }));
    await runJob(job, send as never, update);
  };

  return (
    <div class="playground">
      <form class="card form" onSubmit={generate} aria-label="Image request">
        <ErrorBanner error={models.error ?? details.error} />
        <div class="row wrap">
          <Field label="Model" id="model">
            <select id="model" value={modelId} onChange={(e) => (setModelId(e.currentTarget.value), setValues({}), setImages([]), setMask(undefined))}>
              {models.data?.data.map((m) => (
                <option value={m.id}>
                  {m.id}
                  {m.available ? '' : ' (unavailable)'}
                </option>
              ))}
            </select>
          </Field>
          {operations.length > 1 ? (
            <Field label="Operation" id="operation">
              <select id="operation" value={op} onChange={(e) => (setOperation(e.currentTarget.value), setMask(undefined))}>
                {operations.map((o) => (
                  <option value={o}>{o}</option>
                ))}
              </select>
            </Field>
          ) : null}
        </div>
        {details.data?.tokenlab.description ? <p class="hint">{details.data.tokenlab.description}</p> : null}
        <div class="fields">
          {shape?.fields.map((spec) => (
            <FieldInput spec={spec} value={values[spec.name] ?? ''} error={fieldError(spec.name)} onInput={(v) => setValues((vs) => ({ ...vs, [spec.name]: v }))} />
          ))}
        </div>
        {shape && shape.maxImages > 0 ? (
          <div class="inputs">
            <Field label={`Input image${shape.maxImages > 1 ? `s (up to ${shape.maxImages})` : ''}`} id="images" error={fieldError('images') ?? fieldError('image_urls') ?? fieldError('image')}>
              <input id="images" type="file" accept="image/png,image/jpeg,image/webp" multiple={shape.maxImages > 1} onChange={(e) => void addFiles(e.currentTarget.files)} />
            </Field>
            <div class="thumbs">
              {images.map((img, i) => (
                <figure>
                  <img src={img.dataUrl} alt={img.name} />
                  <button type="button" class="secondary" onClick={() => (setImages((list) => list.filter((_, j) => j !== i)), setMask(undefined))}>
                    Remove
                  </button>
                </figure>
              ))}
            </div>
            {shape.takesMask && images[0] ? (
              <Field label="Mask: paint the region to redraw" id="mask-area" error={fieldError('mask')}>
                <MaskPainter src={images[0].dataUrl} onMask={setMask} />
              </Field>
            ) : null}
          </div>
        ) : null}
        <ErrorBanner error={otherError} />
        <div class="row actions">
          <p class="quote" aria-live="polite" data-testid="quote">
            {check.pending ? 'Checking…' : check.quote ? <>Estimated cost: <strong data-testid="quote-usd">${check.quote.estimated_cost_usd}</strong></> : check.error ? 'Not valid yet' : ''}
          </p>
          <button type="submit" disabled={!shape}>
            Generate
          </button>
        </div>
      </form>
      <section class="results" aria-label="Results">
        {jobs.map((job) => (
          <ResultCard result={job} onReference={(url) => void adoptReference(url)} />
        ))}
      </section>
    </div>
  );
}
