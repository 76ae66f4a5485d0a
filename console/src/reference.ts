// "Use as reference": an image picked on another page waits here until the playground takes it.

let waiting: { url: string } | undefined;

export function offerReference(url: string): void {
  waiting = { url };
  location.hash = '#/playground';
}

export function takeReference(): string | undefined {
  const url = waiting?.url;
  waiting = undefined;
  return url;
}
