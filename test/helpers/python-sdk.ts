// A Python with the official `openai` SDK, in a virtual environment under .tmp/ made once and kept
// (.ci/run makes it before the suite, so an install failure shows there first). pip reads the
// machine's own index settings; on this one a local mirror (see README "Machine needs of the tests").

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const VENV = path.resolve(import.meta.dirname, '../../.tmp/py-openai');
const PYTHON = path.join(VENV, 'bin', 'python');

export async function pythonWithOpenai(): Promise<string> {
  if (!existsSync(path.join(VENV, '.ready'))) {
    await run('python3', ['-m', 'venv', VENV]);
    await run(PYTHON, ['-m', 'pip', 'install', '--quiet', '--retries', '0', 'openai'], { timeout: 180_000 });
    await run(PYTHON, ['-c', `import openai, pathlib; pathlib.Path(${JSON.stringify(path.join(VENV, '.ready'))}).write_text(openai.__version__)`]);
  }
  return PYTHON;
}
