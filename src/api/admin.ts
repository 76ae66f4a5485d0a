// Request bodies of the admin API. Money arrives as a decimal string or a number and is converted to
// micro-dollars here, so nothing past this point sees a float.

import { z } from 'zod';
import { isModelGlob, MODEL_GLOB_MAX_LENGTH } from '../util/model-glob.ts';
import { readUsd } from '../util/money.ts';

/** A USD amount read exactly (util/money.ts readUsd): refused, never rounded, when it is not a whole number of micro-dollars in range. */
const usd = (field: string, opts: { positive: boolean }) =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    const reading = readUsd(value);
    if (!reading.ok) {
      ctx.addIssue({ code: 'custom', message: `${field} ${reading.reason}` });
      return z.NEVER;
    }
    if (reading.micros < 0 || (opts.positive && reading.micros === 0)) {
      ctx.addIssue({ code: 'custom', message: `${field} must be ${opts.positive ? 'positive' : 'zero or more'}` });
      return z.NEVER;
    }
    return reading.micros;
  });

const name = z.string().trim().min(1).max(200);

export const createAccountSchema = z
  .object({ name, credit_usd: usd('credit_usd', { positive: false }).optional() })
  .strict()
  .meta({ description: 'Create an account with an optional starting credit.' });

export const creditAccountSchema = z
  .object({ amount_usd: usd('amount_usd', { positive: true }) })
  .strict()
  .meta({ description: 'Add credit to an account.' });

/** A key's controls (issue 16); on a PATCH, null clears one. */
const modelGlob = z
  .string()
  .refine(isModelGlob, { message: `must be a model glob: model-id characters with * and ? only, at most ${MODEL_GLOB_MAX_LENGTH} characters` })
  .meta({ example: 'flux-*' });
const perMinute = z.int().min(0).max(1_000_000);
export const keyControlFields = {
  allowed_models: z.array(modelGlob).min(1).max(100).nullable().describe('Model globs the key may use (`*` any run, `?` one character, whole id, case-sensitive); null: every model'),
  budget_usd: usd('budget_usd', { positive: true }).nullable().describe('Spend allowed per budget_period (UTC); null: no budget'),
  budget_period: z.enum(['day', 'month']).describe('The period budget_usd is counted over, UTC'),
  requests_per_minute: perMinute.nullable().describe("This key's request limit (0: none); null: the server's limits.requests_per_minute"),
  model_requests_per_minute: z
    .record(modelGlob, perMinute)
    .refine((limits) => Object.keys(limits).length <= 100, { message: 'at most 100 model limits' })
    .nullable()
    .describe('Model glob → requests per minute for the models it matches, counted per glob; null: none'),
  sync_wait_ms: z
    .int()
    .min(0)
    .max(600_000)
    .nullable()
    .describe("How long this key's creates wait for a task-based upstream before answering with the task (capped by tasks.wait_budget_ms); null: the server's tasks.sync_wait_ms"),
};

/** The controls, each optional: set on a create, changed (or cleared with null) by a PATCH. */
const optionalKeyControls = Object.fromEntries(Object.entries(keyControlFields).map(([field, schema]) => [field, schema.optional()])) as {
  [F in keyof typeof keyControlFields]: z.ZodOptional<(typeof keyControlFields)[F]>;
};

export const createKeySchema = z
  .object({
    name: name.optional(),
    spend_limit_usd: usd('spend_limit_usd', { positive: true }).optional(),
    ...optionalKeyControls,
  })
  .strict()
  .meta({ description: 'Create an API key; the clear key is returned once.' });

export const patchKeySchema = z
  .object(optionalKeyControls)
  .strict()
  .meta({ description: "Change a key's controls: fields left out stay, null clears one." });

export const ADMIN_LIST_DEFAULT_LIMIT = 20;
export const ADMIN_LIST_MAX_LIMIT = 100;
const ID_MAX_LENGTH = 200;

/** Query strings arrive as text: a whole number from 1 to the maximum, written in digits. */
const limit = z
  .string()
  .regex(/^\d{1,4}$/, `limit must be an integer from 1 to ${ADMIN_LIST_MAX_LIMIT}`)
  .transform(Number)
  .pipe(z.number().int().min(1, `limit must be an integer from 1 to ${ADMIN_LIST_MAX_LIMIT}`).max(ADMIN_LIST_MAX_LIMIT, `limit must be an integer from 1 to ${ADMIN_LIST_MAX_LIMIT}`))
  .default(ADMIN_LIST_DEFAULT_LIMIT);

const page = { limit, after: z.string().min(1).max(ID_MAX_LENGTH).optional() };

/** GET /admin/v1/accounts. Unknown query parameters are ignored, as everywhere in Easel. */
export const listAccountsQuerySchema = z.object({ q: z.string().trim().max(ID_MAX_LENGTH).optional(), ...page });

/** GET /admin/v1/accounts/{id}/keys. */
export const listKeysQuerySchema = z.object(page);
