// The shape of one catalogue entry. A model is data: the contract engine, the discovery bodies, the
// price quotes and the demo provider all read these fields, so behaviour never hides in `if (model ===`.

import type { ImageEndpoint, Operation } from './types.ts';

/**
 * The upstream providers a catalogue entry can name (its `upstream` and `wire` keys). The provider
 * registry (src/providers/registry.ts) declares an adapter for each and fails to compile if one is
 * missing; it adds the offline `demo` provider, which serves every model and so is named by none.
 */
export const UPSTREAM_PROVIDERS = ['openai', 'azure', 'gemini', 'xai', 'bfl', 'midjourney', 'ideogram', 'stability', 'together'] as const;
export type UpstreamProvider = (typeof UPSTREAM_PROVIDERS)[number];


/** What the OpenAI Images protocol (OpenAI and Azure OpenAI alike) needs to know of a model besides its name. */
export interface OpenAIImagesWire {
  /** Most images one call may ask for, when the model allows fewer than the API's `n` ceiling (DALL·E 3 answers n > 1 with a 400). */
  imagesPerCall?: number;
  /** The model takes `response_format` and answers with URLs unless asked for b64_json (DALL·E); GPT image models reject the field. */
  takesResponseFormat?: boolean;
  /** Edits travel as multipart only: the JSON edit body is a GPT image model feature (DALL·E 2 has no such variant). */
  multipartEditsOnly?: boolean;
}

/** What the BFL protocol needs to know of a model besides its endpoint name. */
export interface BflWire {
  /**
   * How the endpoint takes the picture's shape: `pixels` (width/height, no input images: FLUX1.1 [pro])
   * or `aspect-ratio` (aspect_ratio, input_image..input_image_4: Kontext, Ultra).
   */
  shape: 'pixels' | 'aspect-ratio';
}

/**
 * Per provider, what that provider's wire protocol needs to know of the model besides its upstream
 * name. The adapter receives it with the call (CallContext.wire), so it never looks a model up by name.
 */
export interface ModelWire extends Partial<Record<UpstreamProvider, object>> {
  openai?: OpenAIImagesWire;
  azure?: OpenAIImagesWire;
  bfl?: BflWire;
}

/**
 * Public request fields an operation's contract can list. `async` is not here: it follows the model's
 * `asyncAllowed`. `model`, `operation` and `stream:false` are accepted everywhere and never listed.
 */
export type ContractParam =
  | 'prompt'
  | 'n'
  | 'response_format'
  | 'user'
  | 'size'
  | 'quality'
  | 'style'
  | 'background'
  | 'output_format'
  | 'output_compression'
  | 'compression'
  | 'moderation'
  | 'partial_images'
  | 'aspect_ratio'
  | 'resolution'
  | 'seed'
  | 'negative_prompt'
  | 'expand_prompt'
  | 'image_url'
  | 'image_urls'
  | 'reference_image_urls'
  | 'images'
  | 'mask';

/** Parameters whose values come from a fixed list per operation. */
export type EnumParam = 'quality' | 'style' | 'background' | 'output_format' | 'moderation' | 'aspect_ratio' | 'resolution';

/** How `size` is checked for one operation. */
export type SizeRule =
  /** Any WIDTHxHEIGHT inside the limits (the gpt-image-2 rule), or `auto`. */
  | {
      kind: 'flexible';
      name: string;
      multipleOf: number;
      maxEdge: number;
      maxRatio: number;
      minPixels: number;
      maxPixels: number;
      allowAuto: boolean;
    }
  /** One of a fixed set of WIDTHxHEIGHT strings (DALL·E). */
  | { kind: 'list'; values: readonly string[] }
  /** Each edge within [minEdge, maxEdge] and a multiple of multipleOf (FLUX width/height). */
  | { kind: 'range'; multipleOf: number; minEdge: number; maxEdge: number }
  /** Compatibility alias: mapped to the nearest allowed aspect_ratio (and resolution tier where the operation has them). */
  | { kind: 'aspect-alias' };

export type DefaultableParam = 'size' | 'quality' | 'style' | 'aspect_ratio' | 'resolution';

export interface InputImageRules {
  formats?: readonly ('image/png' | 'image/jpeg' | 'image/webp')[];
  square?: boolean;
  maxBytes?: number;
}

/** What one operation of a model accepts, on which endpoint. */
export interface OperationContract {
  operation: Operation;
  endpoint: ImageEndpoint;
  /** Exactly the public fields this operation accepts (besides model/operation/async/stream). */
  parameters: readonly ContractParam[];
  /** Allowed values for enumerated parameters present in `parameters`. */
  values: Partial<Record<EnumParam, readonly string[]>>;
  size?: SizeRule;
  maxN: number;
  /** Longest prompt in characters; absent when the operation takes no prompt (variations). */
  promptMaxLength?: number;
  /** Largest seed the upstream takes, when below the public range's 4,294,967,294. */
  seedMax?: number;
  /** Most source/reference images one request may carry; absent when the operation takes none. */
  maxInputImages?: number;
  /** Values used when the client omits the field; reported back in `normalized`. */
  defaults?: Partial<Record<DefaultableParam, string>>;
  /** What the input images themselves must be, checked once they are fetched (before any money moves). */
  inputRules?: InputImageRules;
  /**
   * `stream: true` is offered: the answer is the upstream's image event stream (partial images, then
   * the final one), relayed. Absent: `stream: true` is refused, naming the models that stream.
   */
  streaming?: boolean;
  notes?: readonly string[];
}

/** A price and where the number comes from. Amounts are decimal USD strings: money is never a float. */
export interface PriceFigure {
  usd: string;
  source: string;
  /** True when the number could not be confirmed against the provider's own price page. */
  estimate?: boolean;
}

export type PriceSelector = Partial<Record<'size' | 'quality' | 'resolution', string>>;

export interface PerImageRow {
  /** Matches when every listed field equals the normalized request's value; `{}` matches anything. */
  when: PriceSelector;
  price: PriceFigure;
}

export interface TokenRow {
  when: PriceSelector;
  tokens: number;
  source: string;
  estimate?: boolean;
}

export type PriceData =
  | { version: string; unit: 'per_image'; rows: readonly PerImageRow[] }
  | { version: string; unit: 'per_request'; price: PriceFigure }
  | {
      version: string;
      unit: 'per_token';
      perMillion: {
        textInput: PriceFigure;
        imageInput: PriceFigure;
        cachedTextInput?: PriceFigure;
        cachedImageInput?: PriceFigure;
        imageOutput: PriceFigure;
      };
      /** Image output tokens for quoting before the upstream reports usage. */
      outputTokens: { basis: 'per_image' | 'per_megapixel'; rows: readonly TokenRow[] };
    };

export interface Lifecycle {
  stage: 'active' | 'preview' | 'deprecated' | 'retired';
  reason: string | null;
  replacementModel: string | null;
  releasedAt: string | null;
  deprecatedAt: string | null;
  sunsetAt: string | null;
  latest: boolean;
}

/** How to work out output pixels when the request does not name them (see dimensions.ts). */
export type OutputGeometry =
  | { kind: 'pixels'; auto: { width: number; height: number } }
  | {
      kind: 'ratio';
      /** Pixel count of the base (1K) tier. */
      basePixels: number;
      multipleOf: number;
      /** Edge scale per resolution tier (1k → 1, 2k → 2, ...). */
      tierScale?: Readonly<Record<string, number>>;
      defaultTier?: string;
      /** Observed upstream sizes, keyed `ratio@tier` or `ratio`. */
      pairs?: Readonly<Record<string, readonly [number, number]>>;
    };

export interface ModelEntry {
  id: string;
  aliases: readonly string[];
  owned_by: string;
  /** Fixed unix timestamp (upstream release day), so /v1/models is stable across restarts. */
  created: number;
  category: 'image';
  family: string;
  description: string;
  /** The upstream's own name (model, endpoint path or deployment) per provider that can serve it. */
  upstream: Partial<Record<UpstreamProvider, string>>;
  /** Protocol facts per provider beyond the name; absent where the provider's defaults fit. */
  wire?: ModelWire;
  operations: readonly OperationContract[];
  /** Fields accepted for compatibility and removed before forwarding. */
  dropped: readonly string[];
  /** How the upstream usually answers: with the image, or with a job to poll. */
  delivery: 'inline' | 'task';
  asyncAllowed: boolean;
  lifecycle: Lifecycle;
  /** Position in GET /v1/models?recommended_for=image; absent = listed after the ranked ones. */
  recommendedRank?: number;
  price: PriceData;
  geometry: OutputGeometry;
}
