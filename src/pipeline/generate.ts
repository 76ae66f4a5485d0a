// POST /v1/images/generations, top to bottom: check the request against the model's contract,
// route it to a channel (fanning out when the upstream makes fewer images per call), deliver.

import { validateImageRequest } from '../catalog/contract.ts';
import { requireModel } from '../catalog/catalog.ts';
import { IMAGE_ENDPOINTS } from '../catalog/types.ts';
import { ApiError } from '../api/errors.ts';
import { downloadImage, DownloadError } from '../fetch/download.ts';
import type { Services } from '../services.ts';
import { type DeliveredImage, deliverImages } from './deliver.ts';
import { callWithFanOut } from './fan-out.ts';

export interface Caller {
  accountId: string;
  keyId: string;
}

export interface ImagesResponse {
  created: number;
  data: DeliveredImage[];
  /** Values Easel chose for the client (size → aspect_ratio, ...); see the README. */
  normalized?: Record<string, string>;
}

export async function generateImages(
  services: Services,
  _caller: Caller,
  body: Record<string, unknown>,
  signal: AbortSignal,
  opts: { multipart?: boolean } = {},
): Promise<ImagesResponse> {
  const req = validateImageRequest(IMAGE_ENDPOINTS.generations, body, opts);
  const entry = requireModel(req.model, 400);

  const { result } = await services.router.run(entry, signal, (adapter, ctx) => {
    if (!adapter.generate) throw new ApiError(`Model '${req.model}' cannot generate on channel '${ctx.channel.id}'.`, { status: 503, type: 'all_channels_failed', code: 'all_channels_failed' });
    return callWithFanOut(adapter, adapter.generate.bind(adapter), req, ctx);
  });

  const data = await deliverImages(result.images.slice(0, req.n), req.responseFormat, {
    blobs: services.blobs,
    publicUrl: services.publicUrl,
    download: (url) => downloadUpstreamResult(url, signal),
  });
  const response: ImagesResponse = { created: Math.floor(Date.now() / 1000), data };
  if (req.normalized && Object.keys(req.normalized).length > 0) response.normalized = req.normalized;
  return response;
}

/** Upstream result URLs expire: Easel fetches them now. A failure is the upstream's, reported as 502. */
async function downloadUpstreamResult(url: string, signal: AbortSignal): Promise<Buffer> {
  try {
    return (await downloadImage(url, { signal })).bytes;
  } catch (err) {
    if (!(err instanceof DownloadError)) throw err;
    throw new ApiError(`The image provider's result could not be fetched: ${err.message}.`, {
      status: 502,
      type: 'upstream_error',
      code: 'upstream_error',
      hints: { retryable: true },
    });
  }
}
