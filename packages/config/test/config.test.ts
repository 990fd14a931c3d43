import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, DEFAULT_CONFIG, editDistance, loadConfig, loadConfigReporting, parseConfigText, type ConfigProblem } from '../src';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

function writeTemp(text: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ct-config-')), 'config.yaml');
  fs.writeFileSync(file, text);
  return file;
}

function problemsOf(fn: () => unknown): { code: string; source: string; paths: string[]; message: string; problems: ConfigProblem[] } {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) {
      return { code: err.code, source: err.source, paths: err.problems.map((p) => p.path), message: err.message, problems: err.problems };
    }
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  test('configs/default.yaml says exactly what the embedded defaults say', () => {
    const file = path.join(REPO_ROOT, 'configs/default.yaml');
    expect(loadConfig({ file })).toEqual(DEFAULT_CONFIG);
  });

  test('every shipped preset in configs/ is valid', () => {
    for (const name of fs.readdirSync(path.join(REPO_ROOT, 'configs'))) {
      if (name.endsWith('.yaml')) expect(() => loadConfig({ file: path.join(REPO_ROOT, 'configs', name) })).not.toThrow();
    }
  });

  test.each(['time.google.com:99999', 'host:abc', 'http://x', 'host:0', ' ', 'bad host:123'])(
    'the NTP server spec %j is refused with its field, as the sampler would refuse it',
    (spec) => {
      const p = problemsOf(() => parseConfigText(`clock_measurement:\n  ntp:\n    servers: [${JSON.stringify(spec)}]\n`, 'servers.yaml'));
      expect(p.code).toBe('CONFIG_INVALID_VALUE');
      expect(p.source).toBe('servers.yaml');
      expect(p.paths).toEqual(['clock_measurement.ntp.servers.0']);
      expect(p.message).toMatch(/NTP server|host|port/);
    },
  );

  test('well-formed NTP server specs pass: names, IPv4 and IPv6 literals, ports', () => {
    const servers = ['time.example.com', 'time.example.com:1123', '127.0.0.1:123', '[::1]:123', '2001:db8::1'];
    const c = parseConfigText(`clock_measurement:\n  ntp:\n    servers: ${JSON.stringify(servers)}\n`, 'ok.yaml');
    expect(c.clock_measurement.ntp.servers).toEqual(servers);
  });

  test('an empty file is the defaults; a partial file keeps the other defaults', () => {
    expect(parseConfigText('', 'empty.yaml')).toEqual(DEFAULT_CONFIG);
    const c = parseConfigText('short_term:\n  enabled: false\n', 'p.yaml');
    expect(c.short_term.enabled).toBe(false);
    expect(c.short_term.model_name).toBe(DEFAULT_CONFIG.short_term.model_name);
    expect(c.long_term).toEqual(DEFAULT_CONFIG.long_term);
  });

  test('a wrong type names the file, the field path and what was expected', () => {
    const file = writeTemp('clock_measurement:\n  ntp:\n    timeout_seconds: soon\n');
    const p = problemsOf(() => loadConfig({ file }));
    expect(p.code).toBe('CONFIG_INVALID_VALUE');
    expect(p.source).toBe(file);
    expect(p.paths).toEqual(['clock_measurement.ntp.timeout_seconds']);
    expect(p.message).toContain('expected number');
  });

  test('out-of-range values and unknown keys are each reported, an unknown key at its own path', () => {
    const p = problemsOf(() => parseConfigText('fusion:\n  coverage: 1.5\nshort_term:\n  modle_name: x\n', 'typo.yaml'));
    expect(p.paths.sort()).toEqual(['fusion.coverage', 'short_term.modle_name']);
    expect(p.message).toContain('short_term.modle_name: unknown key; did you mean "short_term.model_name"?');
  });

  test('a misspelt key gets the nearest known key; a key in the wrong section gets its place', () => {
    const yaml = [
      'clock_measurment: {}',
      'coverage: 0.9',
      'logging:',
      '  levle: debug',
      '  colour: true',
      'short_term:',
      '  thread: 2',
      'clock_measurement:',
      '  ntp:',
      '    sevrers: [a]',
    ].join('\n');
    const p = problemsOf(() => parseConfigText(yaml, 'typos.yaml'));
    const suggestions = Object.fromEntries(p.problems.map((q) => [q.path, q.suggestion ?? null]));
    expect(suggestions).toEqual({
      clock_measurment: 'clock_measurement',
      coverage: 'fusion.coverage',
      'logging.levle': 'logging.level',
      'logging.colour': null,
      'short_term.thread': 'short_term.threads',
      'clock_measurement.ntp.sevrers': 'clock_measurement.ntp.servers',
    });
    for (const q of p.problems) expect(q.message).toBe('unknown key');
  });

  test('edit distance counts insertions, deletions, substitutions and swaps as one each', () => {
    expect(editDistance('levle', 'level')).toBe(1);
    expect(editDistance('thread', 'threads')).toBe(1);
    expect(editDistance('coverge', 'coverage')).toBe(1);
    expect(editDistance('abc', 'xyz')).toBe(3);
    expect(editDistance('', 'ab')).toBe(2);
  });

  test('broken YAML and a non-mapping document are clear errors', () => {
    expect(problemsOf(() => parseConfigText('a: [1, 2\n', 'broken.yaml')).code).toBe('CONFIG_INVALID_YAML');
    expect(problemsOf(() => parseConfigText('- 1\n- 2\n', 'list.yaml')).message).toContain('mapping');
  });

  test('a missing file is CONFIG_UNREADABLE naming it', () => {
    const p = problemsOf(() => loadConfig({ file: '/nonexistent/chronotick.yaml' }));
    expect(p.code).toBe('CONFIG_UNREADABLE');
    expect(p.message).toContain('/nonexistent/chronotick.yaml');
    expect(p.message).toContain('ENOENT');
  });
});

describe('environment overrides', () => {
  test('each CHRONOTICK_* variable lands where the README says', () => {
    const c = loadConfig({
      env: {
        CHRONOTICK_MODEL: 'kalman',
        CHRONOTICK_DEVICE: 'cuda',
        CHRONOTICK_NTP_SERVERS: '127.0.0.1:12300, [::1]:123 ,time.example',
        CHRONOTICK_WARMUP: '42',
        CHRONOTICK_LOG_LEVEL: 'DEBUG',
        CHRONOTICK_SOCKET: '/tmp/x.sock',
      },
    });
    expect(c.short_term.model_name).toBe('kalman');
    expect(c.long_term.model_name).toBe('kalman');
    expect(c.short_term.device).toBe('cuda');
    expect(c.clock_measurement.ntp.servers).toEqual(['127.0.0.1:12300', '[::1]:123', 'time.example']);
    expect(c.clock_measurement.timing.warm_up.duration_seconds).toBe(42);
    expect(c.logging.level).toBe('debug');
    expect(c.socket_path).toBe('/tmp/x.sock');
  });

  test('the environment wins over the file', () => {
    const file = writeTemp('clock_measurement:\n  timing:\n    warm_up:\n      duration_seconds: 600\n');
    expect(loadConfig({ file, env: { CHRONOTICK_WARMUP: '5' } }).clock_measurement.timing.warm_up.duration_seconds).toBe(5);
  });

  test('bad override values name the variable', () => {
    expect(problemsOf(() => loadConfig({ env: { CHRONOTICK_WARMUP: 'soon' } })).paths).toEqual(['CHRONOTICK_WARMUP']);
    expect(problemsOf(() => loadConfig({ env: { CHRONOTICK_NTP_SERVERS: ' , ' } })).paths).toEqual(['CHRONOTICK_NTP_SERVERS']);
    expect(problemsOf(() => loadConfig({ env: { CHRONOTICK_LOG_LEVEL: 'loud' } })).paths).toEqual(['logging.level']);
  });

  test('a value an override set that the schema refuses names the variable beside the field', () => {
    const file = writeTemp('fusion:\n  coverage: 0.99\n');
    const p = problemsOf(() => loadConfig({ file, env: { CHRONOTICK_NTP_SERVERS: 'time.google.com:99999' } }));
    expect(p.source).toBe(file);
    expect(p.problems).toEqual([expect.objectContaining({ path: 'clock_measurement.ntp.servers.0', variable: 'CHRONOTICK_NTP_SERVERS' })]);
    expect(p.message).toContain('(set by CHRONOTICK_NTP_SERVERS)');
  });

  test('loadConfigReporting says which overrides took effect and what they set', () => {
    const loaded = loadConfigReporting({ env: { CHRONOTICK_WARMUP: '5', CHRONOTICK_MODEL: '  ', HOME: '/x' } });
    expect(loaded.source).toBe('embedded defaults');
    expect(loaded.envOverrides).toEqual([{ variable: 'CHRONOTICK_WARMUP', fields: ['clock_measurement.timing.warm_up.duration_seconds'] }]);
  });
});
