// Azure OpenAI image generation wire shapes (upstreams.md §2). Request and success bodies are
// OpenAI's (../openai/wire.ts) minus `model`; Azure adds content-filter annotations to DALL·E results
// and its own error envelope (spec `dalleErrorResponse`).

import type { ImageItem, ImagesResponse } from '../openai/wire.ts';

export type { CreateImageRequest } from '../openai/wire.ts';

/** `{severity, filtered}` for hate/sexual/violence/self_harm; `{detected, filtered}` for jailbreak/profanity. */
export interface FilterResult {
  severity?: 'safe' | 'low' | 'medium' | 'high';
  detected?: boolean;
  filtered: boolean;
}

export type ContentFilterResults = Partial<Record<'hate' | 'sexual' | 'violence' | 'self_harm' | 'profanity' | 'jailbreak', FilterResult>>;

export interface AzureImageItem extends ImageItem {
  content_filter_results?: ContentFilterResults;
  prompt_filter_results?: ContentFilterResults;
}

export interface AzureInnerError {
  code?: string;
  content_filter_results?: ContentFilterResults;
  revised_prompt?: string;
}

/** `error.code` values Azure uses for a safety refusal (DALL·E, chat-style filter, GPT image). */
export const AZURE_MODERATION_CODES: readonly string[] = ['content_policy_violation', 'contentFilter', 'content_filter', 'moderation_blocked'];
/** `inner_error.code` of a Responsible AI refusal. */
export const AZURE_POLICY_INNER_CODE = 'ResponsibleAIPolicyViolation';
/** 404 `error.code` when the path names a deployment the resource does not have. */
export const AZURE_DEPLOYMENT_NOT_FOUND = 'DeploymentNotFound';
