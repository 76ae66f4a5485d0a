// Bounds of the public request contract, shared by the request schemas (api/) and the catalogue's
// per-model rules (catalog/). Numbers that are limits are named here so tests can hit their edges.

/** tokenlab-openapi-images.json ImageGenerationRequest.prompt.maxLength. */
export const PUBLIC_PROMPT_MAX = 4000;
/** Public `n` range (1–10); each operation may cap it lower. */
export const PUBLIC_N_MAX = 10;
/** Public reference/source image arrays: 1–16 items. */
export const PUBLIC_MAX_IMAGES = 16;
