// Ideogram 3.0 generate (upstreams.md §7, upstream-openapi/ideogram-v3.json): `Api-Key` auth,
// multipart (or JSON) body, aspect ratios spelled `16x9`, `resolution` and `aspect_ratio` mutually
// exclusive, ISO `created`, images as signed expiring URLs the emulator serves itself.
// Ideogram's API runs on Connexion, so schema errors and 401s come as problem objects
// ({detail,status,title,type}); the safety refusal is a 422 {"error": "..."}.
//
// Behaviours: 'unsafe' (detail.count images, default all, come back is_image_safe:false with a null
// url) and 'safety_422' (the prompt fails the safety check).

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Emulator, fakeImage, parseSize, partsToFields, recordedOf } from './kit.ts';

export const IDEOGRAM_TEST_KEY = 'ideogram-test-key-4f9c2a';
export const IDEOGRAM_GENERATE = '/v1/ideogram-v3/generate';
/** Where the signed result URLs point, on the emulator itself. */
export const IDEOGRAM_IMAGE_PREFIX = '/api/images/ephemeral/';
export const IDEOGRAM_SAFETY_MESSAGE = 'Prompt provided failed safety check due to the inclusion of prohibited content.';

/** Pixel size Ideogram 3.0 renders for each AspectRatioV3 (all of them ResolutionV3 values). */
export const IDEOGRAM_RATIO_SIZES: Readonly<Record<string, string>> = {
  '1x1': '1024x1024', '16x9': '1312x736', '9x16': '736x1312', '16x10': '1280x800', '10x16': '800x1280',
  '4x3': '1152x864', '3x4': '864x1152', '3x2': '1248x832', '2x3': '832x1248', '5x4': '1120x896',
  '4x5': '896x1120', '2x1': '1408x704', '1x2': '704x1408', '3x1': '1536x512', '1x3': '512x1536',
};

const RESOLUTIONS = new Set([
  '512x1536', '576x1408', '576x1472', '576x1536', '640x1344', '640x1408', '640x1472', '640x1536', '704x1152',
  '704x1216', '704x1280', '704x1344', '704x1408', '704x1472', '736x1312', '768x1088', '768x1216', '768x1280',
  '768x1344', '800x1280', '832x960', '832x1024', '832x1088', '832x1152', '832x1216', '832x1248', '864x1152',
  '896x960', '896x1024', '896x1088', '896x1120', '896x1152', '960x832', '960x896', '960x1024', '960x1088',
  '1024x832', '1024x896', '1024x960', '1024x1024', '1088x768', '1088x832', '1088x896', '1088x960', '1120x896',
  '1152x704', '1152x832', '1152x864', '1152x896', '1216x704', '1216x768', '1216x832', '1248x832', '1280x704',
  '1280x768', '1280x800', '1312x736', '1344x640', '1344x704', '1344x768', '1408x576', '1408x640', '1408x704',
  '1472x576', '1472x640', '1472x704', '1536x512', '1536x576', '1536x640',
]);
const ENUMS: Record<string, readonly string[]> = {
  aspect_ratio: Object.keys(IDEOGRAM_RATIO_SIZES),
  rendering_speed: ['FLASH', 'TURBO', 'BALANCED', 'DEFAULT', 'QUALITY'],
  magic_prompt: ['AUTO', 'ON', 'OFF'],
  style_type: ['AUTO', 'GENERAL', 'REALISTIC', 'DESIGN', 'CUSTOM', 'FICTION', 'STYLIZED'],
};
const INTEGERS: Record<string, [number, number]> = { num_images: [1, 8], seed: [0, 2147483647] };

const TITLES: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };

/** One image URL the emulator handed out, so tests can compare what Easel delivered. */
export interface IssuedImage {
  url: string;
  width: number;
  height: number;
}

export class IdeogramEmulator extends Emulator {
  /** The most recent URLs handed out (bounded, newest last). */
  readonly issued: IssuedImage[] = [];
  private readonly secret = randomBytes(16);

  constructor(private readonly urlTtlSeconds: number) {
    super('ideogram', {
      errorBody: (status, message) =>
        status === 422 ? { error: message } : { detail: message, status, title: TITLES[status] ?? 'Error', type: 'about:blank' },
    });
    this.app.post(IDEOGRAM_GENERATE, (request, reply) => {
      const key = request.headers['api-key'];
      if (typeof key !== 'string' || !key) return this.error(reply, 401, 'No authorization token provided');
      if (!safeEqual(key, IDEOGRAM_TEST_KEY)) return this.error(reply, 401, 'Provided API key is invalid');

      const recorded = recordedOf(request);
      const fields = recorded.parts ? partsToFields(recorded.parts).fields : stringify(recorded.json);
      const invalid = validate(fields);
      if (invalid) return this.error(reply, 400, invalid);

      const behaviour = this.takeBehaviour(recorded.path);
      if (behaviour?.name === 'safety_422') return this.error(reply, 422, IDEOGRAM_SAFETY_MESSAGE);

      const count = fields.num_images ? Number(fields.num_images) : 1;
      const unsafe = behaviour?.name === 'unsafe' ? Number(behaviour.detail?.count ?? count) : 0;
      const resolution = fields.resolution ?? IDEOGRAM_RATIO_SIZES[fields.aspect_ratio ?? '1x1'];
      const size = parseSize(resolution)!;
      const prompt = fields.magic_prompt === 'ON' ? `${fields.prompt}, rendered in rich detail with balanced composition` : fields.prompt;
      const data = Array.from({ length: count }, (_, i) => {
        const safe = i >= unsafe;
        return {
          url: safe ? this.issue(size.width, size.height) : null,
          prompt,
          resolution,
          is_image_safe: safe,
          seed: fields.seed !== undefined ? Number(fields.seed) : Math.floor(Math.random() * 2147483647),
          style_type: fields.style_type ?? 'GENERAL',
        };
      });
      // Ideogram writes `created` as `2000-01-23T04:56:07+00:00`.
      const created = new Date().toISOString().replace(/\.\d{3}Z$/, '+00:00');
      return reply.status(200).send({ created, data });
    });

    this.app.get(`${IDEOGRAM_IMAGE_PREFIX}:file`, async (request, reply) => {
      const { file } = request.params as { file: string };
      const { exp, sig } = request.query as { exp?: string; sig?: string };
      const size = /^[A-Za-z0-9]+-(\d+x\d+)\.png$/.exec(file);
      if (!size) return reply.status(404).type('text/plain').send('Not Found');
      if (!exp || !sig || !safeEqual(sig, this.sign(file, exp))) return reply.status(403).type('text/plain').send('Forbidden');
      if (Number(exp) * 1000 < Date.now()) return reply.status(403).type('text/plain').send('Link expired');
      const { width, height } = parseSize(size[1])!;
      return reply.status(200).type('image/png').send(await fakeImage(width, height, 'png'));
    });
  }

  /** A connection that never sent a request is not "idle" to Node, and would hold close() for a minute. */
  override async close(): Promise<void> {
    this.app.server.closeAllConnections();
    await super.close();
  }

  private sign(file: string, exp: string): string {
    return createHmac('sha256', this.secret).update(`${file}:${exp}`).digest('hex');
  }

  private issue(width: number, height: number): string {
    const file = `${randomBytes(11).toString('base64url').replace(/[^A-Za-z0-9]/g, 'x')}-${width}x${height}.png`;
    const exp = String(Math.floor(Date.now() / 1000) + this.urlTtlSeconds);
    const url = `${this.url}${IDEOGRAM_IMAGE_PREFIX}${file}?exp=${exp}&sig=${this.sign(file, exp)}`;
    this.issued.push({ url, width, height });
    if (this.issued.length > 256) this.issued.shift();
    return url;
  }
}

/** A 400 message for the first field the real schema would refuse, or undefined. */
function validate(fields: Record<string, string>): string | undefined {
  if (!fields.prompt) return "'prompt' is a required property";
  for (const [name, allowed] of Object.entries(ENUMS)) {
    const value = fields[name];
    if (value !== undefined && !allowed.includes(value)) return `'${value}' is not one of [${allowed.map((v) => `'${v}'`).join(', ')}] - '${name}'`;
  }
  if (fields.resolution !== undefined && !RESOLUTIONS.has(fields.resolution)) return `'${fields.resolution}' is not a valid resolution - 'resolution'`;
  if (fields.resolution !== undefined && fields.aspect_ratio !== undefined) return 'Cannot specify both resolution and aspect_ratio.';
  for (const [name, [min, max]] of Object.entries(INTEGERS)) {
    const value = fields[name];
    if (value === undefined) continue;
    const n = Number(value);
    if (!/^-?\d+$/.test(value) || n < min || n > max) return `'${value}' is not a valid integer in [${min}, ${max}] - '${name}'`;
  }
  if (fields.style_codes !== undefined && fields.style_type !== undefined) return 'style_codes cannot be used with style_type.';
  return undefined;
}

/** A JSON body's fields as the strings a multipart body would carry. */
function stringify(json: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (json && typeof json === 'object') {
    for (const [k, v] of Object.entries(json)) if (v !== undefined && v !== null) out[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return out;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Result URLs stay valid for an hour by default; a negative TTL hands out already-expired links. */
export function createIdeogramEmulator(opts: { urlTtlSeconds?: number } = {}): IdeogramEmulator {
  return new IdeogramEmulator(opts.urlTtlSeconds ?? 3600);
}
