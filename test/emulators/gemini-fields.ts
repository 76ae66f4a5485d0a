// Google's proto-JSON parsing, as far as image generation meets it: field names in camelCase or
// snake_case, and an unknown name refused with 400 "Unknown name ... Cannot find field" rather than
// ignored. That strictness is what catches an adapter sending a misspelled or Vertex-only field.

/** A message's fields: nested message kind, or null for scalars and free-form values. */
type Fields = Readonly<Record<string, string | null>>;

const ANY = null;

/** Message kind → its fields (camelCase) → the kind of the field's value (arrays: the element kind). */
const MESSAGES: Readonly<Record<string, Fields>> = {
  GenerateContentRequest: {
    contents: 'Content',
    generationConfig: 'GenerationConfig',
    systemInstruction: 'Content',
    safetySettings: ANY,
    tools: ANY,
    toolConfig: ANY,
    cachedContent: ANY,
  },
  Content: { role: ANY, parts: 'Part' },
  Part: {
    text: ANY,
    inlineData: 'Blob',
    fileData: ANY,
    thought: ANY,
    thoughtSignature: ANY,
    functionCall: ANY,
    functionResponse: ANY,
    executableCode: ANY,
    codeExecutionResult: ANY,
    videoMetadata: ANY,
  },
  Blob: { mimeType: ANY, data: ANY },
  GenerationConfig: {
    stopSequences: ANY,
    responseMimeType: ANY,
    responseSchema: ANY,
    responseJsonSchema: ANY,
    responseModalities: ANY,
    candidateCount: ANY,
    maxOutputTokens: ANY,
    temperature: ANY,
    topP: ANY,
    topK: ANY,
    seed: ANY,
    presencePenalty: ANY,
    frequencyPenalty: ANY,
    responseLogprobs: ANY,
    logprobs: ANY,
    enableEnhancedCivicAnswers: ANY,
    speechConfig: ANY,
    thinkingConfig: ANY,
    mediaResolution: ANY,
    imageConfig: 'ImageConfig',
  },
  // Gemini API only: Vertex's personGeneration, outputMimeType, ... are unknown here.
  ImageConfig: { aspectRatio: ANY, imageSize: ANY },
};

const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Google's message for the first unknown field in a request body, or undefined when all are known. */
export function unknownField(body: unknown, kind = 'GenerateContentRequest', path = ''): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const fields = MESSAGES[kind];
  if (Array.isArray(body)) {
    for (const [i, item] of body.entries()) {
      const found = unknownField(item, kind, `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  for (const [name, value] of Object.entries(body)) {
    const known = camel(name);
    if (!(known in fields)) {
      return `Invalid JSON payload received. Unknown name "${name}"${path ? ` at '${path}'` : ''}: Cannot find field.`;
    }
    const child = fields[known];
    if (child) {
      const found = unknownField(value, child, `${path ? `${path}.` : ''}${snake(known)}`);
      if (found) return found;
    }
  }
  return undefined;
}

/** The body with every key in camelCase, so the handler reads one spelling. Values are untouched. */
export function toCamelKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toCamelKeys);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [camel(k), toCamelKeys(v)]));
}
