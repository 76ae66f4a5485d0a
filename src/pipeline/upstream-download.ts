// Upstream result URLs expire (OpenAI 60 min, BFL ~10 min, Ideogram signed): Easel fetches them at
// once. The channel is trusted for the address, but the download carries no credentials, and a
// failure — opening it or while it streams — is the upstream's, reported as 502.

import { apiErrors } from '../api/errors.ts';
import { DownloadError, openImage, type OpenedImage } from '../fetch/download.ts';

export async function openUpstreamResult(url: string, signal: AbortSignal): Promise<OpenedImage> {
  try {
    const opened = await openImage(url, { signal });
    return { ...opened, chunks: translated(opened.chunks) };
  } catch (err) {
    throw asUpstreamError(err);
  }
}

async function* translated(chunks: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  try {
    yield* chunks;
  } catch (err) {
    throw asUpstreamError(err);
  }
}

function asUpstreamError(err: unknown): unknown {
  if (!(err instanceof DownloadError)) return err;
  return apiErrors.upstreamError(`The image provider's result could not be fetched: ${err.message}.`);
}
