import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './support/paths';

// A fresh clone has nothing beside it. `.ci/run` proves the suite passes that way by
// running it on a copy; these checks say *which* file reaches out, in every `npm test`.

// What a build or a test run adds (and git ignores), and files that are data, not text
// anyone reads for a path. Walked rather than asked of git: a copy without .git (a
// tarball, .ci/run's copy) must pass too.
const GENERATED = new Set(['node_modules', 'dist', '.cache', '.git', 'coverage']);
const DATA = /\.(onnx|csv|tsbuildinfo|log)$|package-lock\.json$|\.card\.json$|fixtures\//;

function sourceFiles(dir = ''): string[] {
  return fs.readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) return GENERATED.has(entry.name) ? [] : sourceFiles(rel);
    return entry.isFile() && !DATA.test(rel) ? [rel] : [];
  });
}

const THIS_FILE = path.relative(REPO_ROOT, __filename);

describe('the repository stands alone', () => {
  const files = sourceFiles();

  test('the recorded series are in the repository, and the scan below sees the sources', () => {
    for (const series of ['ares11-2h', 'ares12-2h', 'homelab-4h']) {
      expect(fs.statSync(path.join(REPO_ROOT, 'data', 'recorded', `${series}.csv`)).size).toBeGreaterThan(1000);
    }
    expect(files).toEqual(expect.arrayContaining(['README.md', 'packages/daemon/src/bin/chronotickd.ts', 'configs/default.yaml']));
  });

  test('no file reads the sibling ../shared folder or cites a DESIGN.md the repository lacks', () => {
    const offenders: string[] = [];
    for (const file of files) {
      if (file === THIS_FILE) continue;
      const text = fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
      if (/\.\.\/shared\b|'\.\.', 'shared'|shared\/data\//.test(text)) offenders.push(`${file}: ../shared`);
      if (text.includes('DESIGN.md')) offenders.push(`${file}: DESIGN.md`);
    }
    expect(offenders).toEqual([]);
  });

  test('every relative link in the Markdown files points at a file in the repository, and at a heading it has', () => {
    const broken: string[] = [];
    for (const file of files.filter((f) => f.endsWith('.md'))) {
      const text = fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
      for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const [target = '', anchor] = (match[1] as string).split('#');
        if (/^[a-z]+:/.test(target)) continue; // a URL
        const resolved = target === '' ? path.join(REPO_ROOT, file) : path.resolve(REPO_ROOT, path.dirname(file), target);
        if (!resolved.startsWith(REPO_ROOT + path.sep) || !fs.existsSync(resolved)) broken.push(`${file}: ${target}`);
        else if (anchor !== undefined && resolved.endsWith('.md') && !headingSlugs(resolved).has(anchor))
          broken.push(`${file}: #${anchor}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

/** The anchors GitHub makes of a Markdown file's headings: lower case, punctuation dropped, spaces to hyphens. */
function headingSlugs(file: string): Set<string> {
  const slugs = new Set<string>();
  for (const match of fs.readFileSync(file, 'utf8').matchAll(/^#{1,6}\s+(.+)$/gm)) {
    slugs.add(
      (match[1] as string)
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-'),
    );
  }
  return slugs;
}
