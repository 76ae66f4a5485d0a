// Gemini API generateContent wire types (upstreams.md §3.1–3.3; googleapis/js-genai src/types.ts).
// JSON both ways, camelCase on the wire. Only what image generation uses is typed.

/** `inlineData` carries base64 bytes both ways: reference images in, generated images out. */
export interface GeminiBlob {
  mimeType: string;
  data: string;
}

export interface GeminiPart {
  text?: string;
  inlineData?: GeminiBlob;
  /** Set on the model's "thinking" parts (3.x image models), which may hold interim images. */
  thought?: boolean;
  thoughtSignature?: string;
}

export interface GeminiContent {
  role?: 'user' | 'model';
  parts?: GeminiPart[];
}

/** `1K` | `2K` | `4K` (uppercase K) and `512` on 3.1 Flash; lowercase is rejected. */
export type GeminiImageSize = '512' | '1K' | '2K' | '4K';

export interface GeminiImageConfig {
  aspectRatio?: string;
  imageSize?: GeminiImageSize;
}

export interface GeminiGenerationConfig {
  responseModalities?: Array<'TEXT' | 'IMAGE'>;
  /** Image models reject anything but 1 ("Multiple candidates is not enabled"). */
  candidateCount?: number;
  imageConfig?: GeminiImageConfig;
}

/** POST {base}/models/{model}:generateContent */
export interface GeminiGenerateContentRequest {
  contents: GeminiContent[];
  generationConfig?: GeminiGenerationConfig;
}

export type GeminiFinishReason =
  | 'FINISH_REASON_UNSPECIFIED'
  | 'STOP'
  | 'MAX_TOKENS'
  | 'SAFETY'
  | 'RECITATION'
  | 'LANGUAGE'
  | 'OTHER'
  | 'BLOCKLIST'
  | 'PROHIBITED_CONTENT'
  | 'SPII'
  | 'MALFORMED_FUNCTION_CALL'
  | 'IMAGE_SAFETY'
  | 'UNEXPECTED_TOOL_CALL'
  | 'TOO_MANY_TOOL_CALLS'
  | 'IMAGE_PROHIBITED_CONTENT'
  | 'NO_IMAGE'
  | 'IMAGE_RECITATION'
  | 'IMAGE_OTHER';

export type GeminiBlockReason =
  | 'BLOCKED_REASON_UNSPECIFIED'
  | 'SAFETY'
  | 'OTHER'
  | 'BLOCKLIST'
  | 'PROHIBITED_CONTENT'
  | 'IMAGE_SAFETY'
  | 'MODEL_ARMOR'
  | 'JAILBREAK';

export interface GeminiCandidate {
  content?: GeminiContent;
  finishReason?: GeminiFinishReason;
  finishMessage?: string;
  index?: number;
}

export interface GeminiModalityTokenCount {
  modality: 'TEXT' | 'IMAGE' | 'AUDIO' | 'VIDEO' | 'DOCUMENT' | 'MODALITY_UNSPECIFIED';
  tokenCount: number;
}

export interface GeminiUsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  totalTokenCount?: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
  promptTokensDetails?: GeminiModalityTokenCount[];
  candidatesTokensDetails?: GeminiModalityTokenCount[];
  [key: string]: unknown;
}

/** HTTP 200. A prompt-level block has `promptFeedback.blockReason` and no candidates. */
export interface GeminiGenerateContentResponse {
  candidates?: GeminiCandidate[];
  promptFeedback?: { blockReason?: GeminiBlockReason; blockReasonMessage?: string };
  usageMetadata?: GeminiUsageMetadata;
  modelVersion?: string;
  responseId?: string;
}

/** google.rpc.Status details: ErrorInfo (reason), RetryInfo (retryDelay "30s"), QuotaFailure, ... */
export interface GeminiErrorDetail {
  '@type': string;
  reason?: string;
  domain?: string;
  metadata?: Record<string, string>;
  retryDelay?: string;
  [key: string]: unknown;
}

/** Every non-2xx answer: `{error:{code, message, status, details}}`. */
export interface GeminiErrorBody {
  error: {
    code: number;
    message: string;
    /** gRPC status name: INVALID_ARGUMENT, PERMISSION_DENIED, RESOURCE_EXHAUSTED, ... */
    status: string;
    details?: GeminiErrorDetail[];
  };
}
