import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

describe('README', () => {
  it('shows the usage example that the type-check compiles, verbatim', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const marker = readme.indexOf('<!-- usage-example: docs/examples/usage.example.ts');
    expect(marker).toBeGreaterThan(-1);
    const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(marker));
    const example = fs.readFileSync(path.join(ROOT, 'docs/examples/usage.example.ts'), 'utf8');
    expect(block?.[1]).toBe(example);
  });

  it("shows the same usage example in the package's own README, verbatim", () => {
    const readme = fs.readFileSync(path.join(ROOT, 'libs/reliable-kafka/README.md'), 'utf8');
    const marker = readme.indexOf('<!-- usage-example: docs/examples/usage.example.ts');
    expect(marker).toBeGreaterThan(-1);
    const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(marker));
    const example = fs.readFileSync(path.join(ROOT, 'docs/examples/usage.example.ts'), 'utf8');
    expect(block?.[1]).toBe(example);
  });

  it('names quick-start commands that exist', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts;
    for (const [, name] of readme.matchAll(/npm run ([\w:-]+)/g))
      expect(Object.keys(scripts)).toContain(name);
  });
});
