// Blob store on the local disk: <data_dir>/media/<2-char shard>/<key>. Writes go to a temporary
// file first and are renamed into place, so a reader never sees half an image.

import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBase62 } from '../../util/ids.ts';
import { type BlobStore, type StoredBlob, contentTypeOfKey, extensionFor } from './types.ts';

export class LocalBlobStore implements BlobStore {
  /**
   * `publicBase` is read at each urlFor: with port 0 the address is known only once the server listens.
   * Easel serves the files itself at `<publicBase>/media/<key>`.
   */
  constructor(
    private readonly root: string,
    private readonly publicBase: () => string,
  ) {}

  urlFor(key: string): string {
    return `${this.publicBase()}/media/${key}`;
  }

  private pathOf(key: string): string {
    return path.join(this.root, key.slice(0, 2), key);
  }

  async put(bytes: Buffer, contentType: string): Promise<string> {
    const key = `${randomBase62(32)}.${extensionFor(contentType)}`;
    const file = this.pathOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, file);
    return key;
  }

  async putStream(chunks: AsyncIterable<Buffer>, contentType: string): Promise<string> {
    const key = `${randomBase62(32)}.${extensionFor(contentType)}`;
    const file = this.pathOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBase62(6)}.tmp`;
    try {
      const handle = await open(tmp, 'w');
      try {
        for await (const chunk of chunks) await handle.write(chunk);
      } finally {
        await handle.close();
      }
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return key;
  }

  async get(key: string): Promise<StoredBlob | undefined> {
    const contentType = contentTypeOfKey(key);
    if (!contentType) return undefined;
    const file = this.pathOf(key);
    try {
      const info = await stat(file);
      return { stream: createReadStream(file), size: info.size, contentType };
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
