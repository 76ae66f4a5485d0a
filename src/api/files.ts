// The public shape of /v1/files: its limits and its purposes (the operations are declared in
// operations/files.ts).

/** One uploaded file. */
export const MAX_FILE_BYTES = 50 * 1024 * 1024;
export const FILE_PURPOSES = ['user_data', 'vision', 'batch'] as const;
/** Purposes whose files are images (and so must be PNG, JPEG or WebP). user_data and vision. */
export const IMAGE_FILE_PURPOSES: ReadonlySet<string> = new Set(['user_data', 'vision']);
/** Listing may also filter on the purpose of batch results. */
export const LISTED_FILE_PURPOSES: ReadonlySet<string> = new Set([...FILE_PURPOSES, 'batch_output']);
export const DEFAULT_FILE_MODEL = 'gpt-image-2';
export const FILE_LIST_DEFAULT_LIMIT = 20;
export const FILE_LIST_MAX_LIMIT = 1000;
