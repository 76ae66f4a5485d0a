// Money lives in util/money.ts (integer micro-dollars, one unit for every layer). These names stay
// importable from here for the callers above billing that still import them by this path.

export { MICROS_PER_USD, formatUsd, parseUsd } from '../util/money.ts';
