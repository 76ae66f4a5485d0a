// Ideogram 3.0 generate, as upstream-openapi/ideogram-v3.json describes it (GenerateImageRequestV3,
// ImageGenerationResponseV3, GenerateImageSafetyError). Only the fields Easel sends or reads are typed.

export const IDEOGRAM_GENERATE_PATH = '/v1/ideogram-v3/generate';

/** AspectRatioV3: Ideogram writes ratios with `x` (`16x9`), Easel with `:` (`16:9`). */
export type IdeogramAspectRatio =
  | '1x3' | '3x1' | '1x2' | '2x1' | '9x16' | '16x9' | '10x16' | '16x10'
  | '2x3' | '3x2' | '3x4' | '4x3' | '4x5' | '5x4' | '1x1';

export type IdeogramRenderingSpeed = 'FLASH' | 'TURBO' | 'BALANCED' | 'DEFAULT' | 'QUALITY';
export type IdeogramMagicPrompt = 'AUTO' | 'ON' | 'OFF';

/** NumImages: 1–8 per call. */
export const IDEOGRAM_MAX_IMAGES_PER_CALL = 8;

/** The multipart fields of one generate call (all sent as text parts). */
export interface IdeogramGenerateRequest {
  prompt: string;
  /** Mutually exclusive with `resolution` (which Easel never sends). */
  aspect_ratio?: IdeogramAspectRatio;
  rendering_speed?: IdeogramRenderingSpeed;
  magic_prompt?: IdeogramMagicPrompt;
  negative_prompt?: string;
  num_images?: number;
  /** 0–2147483647. */
  seed?: number;
}

export interface IdeogramImage {
  /** Ephemeral signed URL (`exp`/`sig`); null when the image was withheld as unsafe. */
  url?: string | null;
  /** The prompt used, which may be the Magic Prompt rewrite. */
  prompt: string;
  resolution: string;
  is_image_safe: boolean;
  seed: number;
  style_type?: string;
  upscaled_resolution?: string;
}

export interface IdeogramGenerateResponse {
  /** ISO-8601 date-time string, not a unix number. */
  created: string;
  data: IdeogramImage[];
}

