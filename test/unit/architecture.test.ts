// The import rules of ARCHITECTURE.md are enforced by the lint: each forbidden edge below must be reported.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { ESLint } from 'eslint';

const root = path.resolve(__dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function problems(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return r!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('who may import what', () => {
  it.each([
    ['shared/rules/x.ts', "import fs from 'node:fs'; export const a = fs;", /no-restricted-imports/],
    ['shared/rules/x.ts', "import { app } from 'electron'; export const a = app;", /no-restricted-imports/],
    ['shared/rules/x.ts', "import { buildApp } from '../../server/app'; export const a = buildApp;", /no-restricted-imports/],
    ['server/x.ts', "import { AppCore } from '../main/core/app-core'; export const a = AppCore;", /no-restricted-imports/],
    ['main/core/x.ts', "import { app } from 'electron'; export const a = app;", /no-restricted-imports/],
    ['main/core/x.ts', "import { buildApp } from '../../server/app'; export const a = buildApp;", /no-restricted-imports/],
    ['main/x.ts', "import { buildApp } from '../server/app'; export const a = buildApp;", /no-restricted-imports/],
    ['renderer/src/x.ts', "import axios from 'axios'; export const a = axios;", /no-restricted-imports/],
    ['renderer/src/x.ts', "import { AppCore } from '../../main/core/app-core'; export const a = AppCore;", /no-restricted-imports/],
  ])('%s: %s is refused', async (file, code, rule) => {
    const found = await problems(file, code);
    expect(found.join('\n')).toMatch(rule);
  });

  it('allowed edges pass', async () => {
    expect(await problems('server/x.ts', "import { estimate } from '../shared/rules/pricing'; export const a = estimate;")).toEqual([]);
    expect(await problems('main/core/x.ts', "import path from 'node:path'; import { walletSchema } from '../../shared/api/index'; export const a = [path, walletSchema];")).toEqual([]);
    expect(await problems('renderer/src/x.ts', "import { formatCredits } from '../../shared/rules/money'; export const a = formatCredits;")).toEqual([]);
  });
});
