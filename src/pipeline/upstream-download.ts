// Upstream result URLs expire (OpenAI 60 min, BFL ~10 min, Ideogram signed): Easel fetches them at
// once. The channel is trusted for the address, but the download carries no credentials, and a
// failure is the upstream's, reported as 502.

import { ApiError } from '../api/errors.ts';
import { DownloadError, downloadImage } from '../fetch/download.ts';

export async function downloadUpstreamResult(url: string, signal: AbortSignal): Promise<Buffer> {
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
