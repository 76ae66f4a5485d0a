// The one error a bad configuration stops Easel with: its message names the field or the variable.

export class ConfigError extends Error {
  override name = 'ConfigError';
}
