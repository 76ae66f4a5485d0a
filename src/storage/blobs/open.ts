// Opens the blob store the configuration names: local disk under <data_dir>/media (the default), or
// an S3 bucket shared by every replica.

import path from 'node:path';
import type { Config } from '../../config/schema.ts';
import type { BlobLog } from './failure.ts';
import { LocalBlobStore } from './local.ts';
import type { BlobStore } from './types.ts';

type StoreConfig = Pick<Config, 'storage' | 'data_dir'>;

/**
 * `publicUrl` is Easel's own base (for /media/ URLs), read at each use. The AWS SDK loads only when
 * the configuration names S3: a start on local disk skips it (bench/startup).
 */
export async function openBlobStore(config: StoreConfig, publicUrl: () => string, log?: BlobLog): Promise<BlobStore> {
  const storage = config.storage;
  if (storage.kind === 'local') return new LocalBlobStore(localMediaRoot(config), publicUrl, storage.media);
  const credentials = staticCredentials(storage.access_key_id, storage.secret_access_key);
  const { S3BlobStore } = await import('./s3.ts');
  return new S3BlobStore({
    bucket: storage.bucket,
    region: storage.region,
    endpoint: storage.endpoint,
    forcePathStyle: storage.force_path_style,
    prefix: storage.prefix,
    credentials,
    media: storage.media,
    publicBase: publicUrl,
    log,
  });
}

/** For the start-up log line: where images go and how clients get them (no credentials). */
export function describeBlobStore(config: StoreConfig): string {
  const storage = config.storage;
  const where = storage.kind === 'local' ? localMediaRoot(config) : `s3://${storage.bucket}/${storage.prefix}${storage.endpoint ? ` at ${storage.endpoint}` : ''}`;
  return `${where} (image URLs: ${storage.media.mode})`;
}

function localMediaRoot(config: StoreConfig): string {
  return path.resolve(config.data_dir, 'media');
}

/** Both or neither: one half of a key pair is a configuration mistake, not a cue to use the environment. */
function staticCredentials(accessKeyId: string | undefined, secretAccessKey: string | undefined) {
  if (accessKeyId && secretAccessKey) return { accessKeyId, secretAccessKey };
  if (accessKeyId || secretAccessKey) throw new Error('storage: set both access_key_id and secret_access_key, or neither (to use the AWS environment and profiles)');
  return undefined;
}
