// Blob store on the local disk: <data_dir>/media/<2-char shard>/<key>. Writes go to a temporary
// file first and are renamed into place, so a reader never sees half an image.

import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBase62 } from '../../util/ids.ts';
import { storeUnavailable } from './failure.ts';
import { type BlobInfo, type BlobStore, type ByteRange, type MediaUrl, type StoredBlob, contentTypeOfKey, newBlobKey } from './types.ts';
import { type MediaConfig, unsignedUrls } from './urls.ts';

export class LocalBlobStore implements BlobStore {
  private readonly url: (key: string) => MediaUrl;

  /**
   * `publicBase` is read at each urlFor: with port 0 the address is known only once the server listens.
   * Easel serves the files itself at `<publicBase>/media/<key>`; with `media.mode: public` the URL is
   * `<base_url>/<key>` (a CDN pulling from Easel's /media/).
   */
  constructor(
    private readonly root: string,
    publicBase: () => string,
    media: MediaConfig = { mode: 'serve', presign_ttl_s: 3600 },
  ) {
    this.url = unsignedUrls(media, publicBase);
  }

  async urlFor(key: string): Promise<MediaUrl> {
    return this.url(key);
  }

  private pathOf(key: string): string {
    return path.join(this.root, key.slice(0, 2), key);
  }

  async put(bytes: Buffer, contentType: string): Promise<string> {
    const key = newBlobKey(contentType);
    const file = this.pathOf(key);
    try {
      await mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, bytes);
      await rename(tmp, file);
    } catch (err) {
      throw storeUnavailable('put', err);
    }
    return key;
  }

  async putStream(chunks: AsyncIterable<Buffer>, contentType: string): Promise<string> {
    const key = newBlobKey(contentType);
    const file = this.pathOf(key);
    const tmp = `${file}.${process.pid}.${randomBase62(6)}.tmp`;
    let handle;
    try {
      await mkdir(path.dirname(file), { recursive: true });
      handle = await open(tmp, 'w');
    } catch (err) {
      throw storeUnavailable('upload', err);
    }
    // The disk's errors are the store's; the source's own (a failed download) pass through as they are.
    const written = (step: Promise<unknown>) =>
      step.catch((err: unknown) => {
        throw storeUnavailable('upload', err);
      });
    try {
      try {
        for await (const chunk of chunks) await written(handle.write(chunk));
      } finally {
        await handle.close();
      }
      await written(rename(tmp, file));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return key;
  }

  async get(key: string, range?: ByteRange): Promise<StoredBlob | undefined> {
    const info = await this.stat(key);
    if (!info) return undefined;
    const file = this.pathOf(key);
    if (!range) return { stream: createReadStream(file), ...info };
    return { stream: createReadStream(file, range), size: range.end - range.start + 1, contentType: info.contentType };
  }

  async stat(key: string): Promise<BlobInfo | undefined> {
    const contentType = contentTypeOfKey(key);
    if (!contentType) return undefined;
    try {
      return { size: (await stat(this.pathOf(key))).size, contentType };
    } catch {
      return undefined;
    }
  }

  async delete(key: string): Promise<void> {
    if (!contentTypeOfKey(key)) return;
    await rm(this.pathOf(key), { force: true });
  }

  async sweepOlderThan(cutoff: number, keep: (key: string) => boolean): Promise<number> {
    let removed = 0;
    const shards = await readdir(this.root).catch(() => [] as string[]);
    for (const shard of shards) {
      const names = await readdir(path.join(this.root, shard)).catch(() => [] as string[]);
      for (const name of names) {
        // Keys, and temporary files a crash left half-written.
        const isKey = contentTypeOfKey(name) !== undefined;
        if (!isKey && !name.endsWith('.tmp')) continue;
        if (isKey && keep(name)) continue;
        const file = path.join(this.root, shard, name);
        const info = await stat(file).catch(() => undefined);
        if (!info || info.mtimeMs >= cutoff) continue;
        await rm(file, { force: true });
        removed++;
      }
    }
    return removed;
  }

  async ping(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const probe = path.join(this.root, `.ready-${process.pid}`);
    await writeFile(probe, '');
    await rm(probe, { force: true });
  }
}
