// Request bodies of the admin API. Money arrives as a decimal string or a number and is converted to
// micro-dollars here, so nothing past this point sees a float.

import { z } from 'zod';
import { parseUsd } from '../util/money.ts';

const usd = (field: string, opts: { positive: boolean }) =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    const micros = parseUsd(value);
    if (micros === undefined || micros < 0 || (opts.positive && micros === 0)) {
      ctx.addIssue({ code: 'custom', message: `${field} must be a ${opts.positive ? 'positive' : 'non-negative'} USD amount with at most 6 decimals` });
      return z.NEVER;
    }
    return micros;
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

export const createKeySchema = z
  .object({ name: name.optional(), spend_limit_usd: usd('spend_limit_usd', { positive: true }).optional() })
  .strict()
  .meta({ description: 'Create an API key; the clear key is returned once.' });
