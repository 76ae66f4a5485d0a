// The one way Easel fetches a URL a client gave it (reference images, edit sources, masks). On top of
// downloadImage's limits (size, redirects, time, real image type) it keeps the fetch off anything but
// the public internet:
//
// - http/https only, no credentials, no fragment — on the first URL and on every redirect target;
// - the host name is resolved ONCE per fetcher and every address it resolves to is checked
//   (ip-ranges.ts); one private answer refuses the whole name, so DNS round-robin cannot slip one in;
// - the connection then goes to exactly those checked addresses: the dispatcher's `lookup` hands back
//   the pinned answer and never asks DNS again, so a rebinding DNS server cannot swap the address
//   between the check and the connect. TLS still verifies the certificate against the host name.
//
// Odd IPv4 spellings (2130706433, 0x7f000001, 127.1, 0177.0.0.1) are normalised to dotted quads by
// the WHATWG URL parser before they get here, and IPv6 literals are judged by any IPv4 inside them.

import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { Agent } from 'undici';
import { ApiError, apiErrors } from '../api/errors.ts';
import { probeImage } from '../util/image-probe.ts';
import type { ImageMime } from '../util/image-type.ts';
import { DOWNLOAD_TIMEOUT_MS, DownloadError, MAX_IMAGE_BYTES, downloadImage } from './download.ts';
import { classifyAddress } from './ip-ranges.ts';

/** One fetched input image. */
export const MAX_CLIENT_IMAGE_BYTES = MAX_IMAGE_BYTES;
/** All URL-fetched inputs of one request together, the mask included. */
export const MAX_CLIENT_FETCH_BYTES_PER_REQUEST = 200 * 1024 * 1024;
/** Per image, from the first byte of DNS to the last byte of the body. */
export const CLIENT_FETCH_TIMEOUT_MS = DOWNLOAD_TIMEOUT_MS;

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to all its addresses (default: the system resolver, dns.lookup all:true). */
export type ResolveHost = (hostname: string) => Promise<ResolvedAddress[]>;

export interface GuardOptions {
  /** Let private, loopback and other non-public addresses through (config fetch.allow_private_addresses). */
  allowPrivate?: boolean;
  /** Replaces the system resolver (tests; a deployment's own resolver). */
  resolve?: ResolveHost;
  /**
   * Host names (as the URL parser prints them) whose addresses are not checked — still resolved once
   * and pinned. Every other host, including every redirect target, is checked as usual.
   */
  trustedHosts?: readonly string[];
}

const systemResolve: ResolveHost = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * Checks URLs and pins the addresses it checked. `checkUrl` and `dispatcher` plug straight into
 * downloadImage (and into the webhook sender); one guard serves all the fetches of one request (one
 * lookup per host).
 */
export class AddressGuard {
  readonly dispatcher: Agent;
  private readonly pins = new Map<string, Promise<ResolvedAddress[]>>();
  private readonly allowPrivate: boolean;
  private readonly resolve: ResolveHost;
  private readonly trusted: ReadonlySet<string>;

  constructor(opts: GuardOptions = {}) {
    this.allowPrivate = opts.allowPrivate ?? false;
    this.resolve = opts.resolve ?? systemResolve;
    this.trusted = new Set(opts.trustedHosts ?? []);
    this.dispatcher = new Agent({ keepAliveTimeout: 5_000, connect: { lookup: this.pinnedLookup } });
  }

  /** Throws a DownloadError unless the URL may be fetched; afterwards its host's addresses are pinned. */
  readonly checkUrl = async (url: URL, signal?: AbortSignal): Promise<void> => {
    checkUrlShape(url);
    const host = url.hostname;
    const literal = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    if (isIP(literal)) {
      // No lookup happens for an address literal: the connection goes to exactly this address.
      this.checkAddress(host, literal);
      return;
    }
    if (/(^|\.)localhost\.?$/.test(host) && !this.mayReachAnything(host)) {
      throw new DownloadError(`${host} is a loopback name; only public addresses are fetched`, 'address');
    }
    let pinned = this.pins.get(host);
    if (!pinned) {
      pinned = this.resolveAndCheck(host);
      pinned.catch(() => {}); // awaited below; this only keeps an abandoned rejection quiet
      this.pins.set(host, pinned);
    }
    await abortable(pinned, signal);
  };

  async close(): Promise<void> {
    await this.dispatcher.destroy().catch(() => {});
  }

  private mayReachAnything(host: string): boolean {
    return this.allowPrivate || this.trusted.has(host);
  }

  private checkAddress(host: string, address: string, resolvedFrom?: string): void {
    if (this.mayReachAnything(resolvedFrom ?? host)) return;
    const kind = classifyAddress(address);
    if (kind === 'public') return;
    // The resolved address itself is not echoed: it would turn the gateway into a probe of internal DNS.
    throw new DownloadError(
      resolvedFrom ? `${resolvedFrom} resolves to a ${kind} address; only public addresses are fetched` : `${host} is a ${kind} address; only public addresses are fetched`,
      'address',
    );
  }

  private async resolveAndCheck(host: string): Promise<ResolvedAddress[]> {
    let addresses: ResolvedAddress[];
    try {
      addresses = await this.resolve(host);
    } catch {
      throw new DownloadError(`the host ${host} could not be resolved`, 'network');
    }
    if (addresses.length === 0) throw new DownloadError(`the host ${host} could not be resolved`, 'network');
    // Every address, not just the first: the connection may use any of them.
    for (const { address } of addresses) this.checkAddress(host, address, host);
    return addresses.map(({ address, family }) => ({ address, family }));
  }

  /** The dispatcher's resolver: the pinned answer for a checked host, and nothing for any other. */
  private readonly pinnedLookup: LookupFunction = (hostname, options, callback) => {
    const pinned = this.pins.get(hostname);
    if (!pinned) {
      const err: NodeJS.ErrnoException = new Error(`${hostname} was not checked before connecting`);
      err.code = 'ENOTFOUND';
      callback(err, '', 0);
      return;
    }
    pinned.then(
      (all) => {
        const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
        const usable = family === 0 ? all : all.filter((a) => a.family === family);
        if (usable.length === 0) {
          const err: NodeJS.ErrnoException = new Error(`${hostname} has no IPv${family} address`);
          err.code = 'ENOTFOUND';
          callback(err, '', 0);
        } else if (options.all) {
          callback(null, usable);
        } else {
          callback(null, usable[0].address, usable[0].family);
        }
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

function checkUrlShape(url: URL): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new DownloadError('only http and https URLs are fetched', 'scheme');
  if (url.username || url.password) throw new DownloadError('URLs with credentials are not fetched', 'credentials');
  // `hash` is '' for a bare trailing '#', so look at the serialisation: any '#' in it starts a fragment.
  if (url.href.includes('#')) throw new DownloadError('URLs with a fragment (#...) are not fetched', 'fragment');
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new DownloadError('the image download timed out', 'timeout'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new DownloadError('the image download timed out', 'timeout'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * The bytes all URL-fetched inputs of one request may add up to (200 MiB, the mask included). Charged
 * as bytes arrive, so parallel fetches cannot overshoot it together.
 */
export class FetchBudget {
  private used = 0;
  constructor(readonly limitBytes = MAX_CLIENT_FETCH_BYTES_PER_REQUEST) {}

  get usedBytes(): number {
    return this.used;
  }

  get remainingBytes(): number {
    return Math.max(0, this.limitBytes - this.used);
  }

  /** Adds bytes to the request's total; throws 413 payload_too_large naming `param` once it is over. */
  charge(bytes: number, param: string | null): void {
    this.used += bytes;
    if (this.used > this.limitBytes) {
      throw apiErrors.payloadTooLarge(
        `${param ? `${param}: ` : ''}the input images of this request together are larger than ${formatBytes(this.limitBytes)} (the mask included).`,
        param,
      );
    }
  }
}

export interface ClientImage {
  bytes: Buffer;
  mime: ImageMime;
  width: number;
  height: number;
}

export interface ClientFetchOptions {
  /** The request field the URL came from, e.g. `image_urls[1]`; every error names it in `param`. */
  field: string;
  signal?: AbortSignal;
  /** Per image; default MAX_CLIENT_IMAGE_BYTES (50 MiB). */
  maxBytes?: number;
  /** Default CLIENT_FETCH_TIMEOUT_MS (30 s). */
  timeoutMs?: number;
  /** The request's shared budget across all its fetched inputs. */
  budget?: FetchBudget;
}

/** Fetches the client URLs of one request through one guard (one DNS lookup per host, pooled connections). */
export class ClientImageFetcher {
  private readonly guard: AddressGuard;

  constructor(opts: GuardOptions = {}) {
    this.guard = new AddressGuard(opts);
  }

  /** The image at `url`, checked; or an ApiError 400/413 naming `opts.field`. */
  async fetch(url: string, opts: ClientFetchOptions): Promise<ClientImage> {
    const { field, budget } = opts;
    const maxBytes = opts.maxBytes ?? MAX_CLIENT_IMAGE_BYTES;
    let overBudget: ApiError | undefined;
    let downloaded;
    try {
      downloaded = await downloadImage(url, {
        signal: opts.signal,
        maxBytes,
        timeoutMs: opts.timeoutMs ?? CLIENT_FETCH_TIMEOUT_MS,
        checkUrl: this.guard.checkUrl,
        dispatcher: this.guard.dispatcher,
        onChunk: budget
          ? (length) => {
              try {
                budget.charge(length, field);
              } catch (err) {
                overBudget = err as ApiError;
                throw new DownloadError('over the request budget', 'too_large');
              }
            }
          : undefined,
      });
    } catch (err) {
      if (overBudget) throw overBudget;
      if (err instanceof DownloadError) throw toApiError(err, field, maxBytes);
      throw err;
    }
    const probed = await probeImage(downloaded.bytes);
    if (!probed) throw apiErrors.invalidRequest(`${field}: the URL did not return a readable PNG, JPEG or WebP image.`, field, 'unsupported_image_type');
    return { bytes: downloaded.bytes, ...probed };
  }

  async close(): Promise<void> {
    await this.guard.close();
  }
}

export interface FetchClientImageOptions extends ClientFetchOptions, GuardOptions {}

/** One client URL, fetched through its own guard. For several URLs of one request, use a ClientImageFetcher. */
export async function fetchClientImage(url: string, opts: FetchClientImageOptions): Promise<ClientImage> {
  const fetcher = new ClientImageFetcher(opts);
  try {
    return await fetcher.fetch(url, opts);
  } finally {
    await fetcher.close();
  }
}

function toApiError(err: DownloadError, field: string, maxBytes: number): ApiError {
  const message = `${field}: ${err.message}.`;
  switch (err.reason) {
    case 'scheme':
    case 'credentials':
    case 'fragment':
    case 'address':
      return apiErrors.invalidRequest(message, field, 'invalid_image_url');
    case 'too_large':
      return apiErrors.payloadTooLarge(`${field}: the image is larger than ${formatBytes(maxBytes)}.`, field);
    case 'not_image':
      return apiErrors.invalidRequest(message, field, 'unsupported_image_type');
    case 'redirects':
    case 'status':
    case 'timeout':
    case 'network':
      return apiErrors.invalidRequest(message, field, 'image_fetch_failed');
  }
}

function formatBytes(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`;
}
