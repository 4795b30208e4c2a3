import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import {ScgError} from '../errors';
import {configHash} from '../core/identity';
import {loadConfig} from './load';

const ROOT = path.resolve(__dirname, '../../..');
const QUICKSTART = path.join(ROOT, 'configs', 'quickstart.yaml');

/** Writes `files` (name → YAML) into a fresh folder and returns its path. */
function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-extends-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

function refused(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ScgError && err.exitCode === 2, String(err));
    return `${err.message}\n${err.hint ?? ''}`;
  }
  return assert.fail('loaded but should not have');
}

describe('extends and config groups', () => {
  it('a chain of extends lays each file over the one it names; lists and values replace, mappings merge', () => {
    const dir = tree({
      'base.yaml': 'name: base\ntrain: {steps: 50, lrG: 0.001}\nphases: [pretrain, train]\n',
      'mid.yaml': 'extends: base.yaml\nname: mid\ntrain: {steps: 60}\n',
      'top.yaml': 'extends: mid.yaml\nname: top\nphases: [pretrain]\n',
    });
    const {config} = loadConfig(path.join(dir, 'top.yaml'));
    assert.equal(config.name, 'top');
    assert.equal(config.train.steps, 60);
    assert.equal(config.train.lrG, 0.001);
    assert.deepEqual(config.phases, ['pretrain']);
    assert.equal(
      (config as unknown as Record<string, unknown>)['extends'],
      undefined,
      'extends is not part of the resolved config',
    );
  });

  it('a null in the extending file takes the inherited key away', () => {
    const dir = tree({
      'base.yaml': 'name: base\ntrain: {steps: 50, encodersFrom: abc}\n',
      'child.yaml': 'extends: base.yaml\nname: child\ntrain: {encodersFrom: null}\n',
    });
    const {config} = loadConfig(path.join(dir, 'child.yaml'));
    assert.equal(config.train.steps, 50);
    assert.equal(config.train.encodersFrom, undefined);
    assert.match(
      refused(() => loadConfig(path.join(tree({'lone.yaml': 'name: x\ntrain: {steps: null}\n'}), 'lone.yaml'))),
      /train\.steps: expected integer, but found null/,
      'without a base, null is a wrong value as before',
    );
  });

  it("a section naming another registry entry replaces the base's section instead of merging into it", () => {
    const dir = tree({'child.yaml': `extends: ${QUICKSTART}\nname: child\nbackbone: {name: galip, width: 8}\n`});
    const {config} = loadConfig(path.join(dir, 'child.yaml'));
    assert.equal(config.backbone.name, 'galip');
    assert.equal(config.backbone['width'], 8);
    assert.equal(config.backbone['condDim'], undefined, 'no attngan key is left over');
  });

  it('errors point into the file that set the key; cycles, missing and malformed extends are exit 2', () => {
    const dir = tree({
      'base.yaml': 'name: base\ntrain:\n  lrG: -1\n',
      'child.yaml': 'extends: base.yaml\nname: child\n',
      'a.yaml': 'extends: b.yaml\nname: a\n',
      'b.yaml': 'extends: a.yaml\n',
      'lost.yaml': 'extends: nowhere.yaml\nname: lost\n',
      'list.yaml': 'extends: [a.yaml]\nname: list\n',
    });
    assert.match(
      refused(() => loadConfig(path.join(dir, 'child.yaml'))),
      /base\.yaml:3:3: train\.lrG: must be > 0/,
    );
    assert.match(
      refused(() => loadConfig(path.join(dir, 'a.yaml'))),
      /b\.yaml:1:1: extends: the chain comes back to .*a\.yaml \(a\.yaml → b\.yaml → a\.yaml\)/,
    );
    assert.match(
      refused(() => loadConfig(path.join(dir, 'lost.yaml'))),
      /lost\.yaml:1:1: extends: .*nowhere\.yaml: cannot read the file \(ENOENT\)/,
    );
    assert.match(
      refused(() => loadConfig(path.join(dir, 'list.yaml'))),
      /list\.yaml:1:1: extends: expected the path of another config file/,
    );
  });

  it('every shipped preset that extends another resolves to a complete config', () => {
    const presets = fs.readdirSync(path.join(ROOT, 'configs')).filter((f) => f.endsWith('.yaml'));
    const extending = presets.filter((f) => /^extends:/m.test(fs.readFileSync(path.join(ROOT, 'configs', f), 'utf8')));
    assert.ok(extending.length >= 6, `presets hold only what differs (${extending.join(', ')})`);
    for (const f of extending) assert.ok(loadConfig(path.join(ROOT, 'configs', f)).config.train.steps > 0, f);
  });

  it("--set backbone=ssagan replaces the section with that entry's defaults; later --set keys apply on top", () => {
    const {config} = loadConfig(QUICKSTART, ['backbone=ssagan', 'backbone.width=12']);
    assert.equal(config.backbone.name, 'ssagan');
    assert.equal(config.backbone['width'], 12);
    assert.equal(config.backbone['condDim'], undefined);
    const dataset = loadConfig(QUICKSTART, ['dataset=shapes-multi', 'contrastive.mode=supcon-multi']).config;
    assert.equal(dataset.dataset.name, 'shapes-multi');
    assert.match(
      refused(() => loadConfig(QUICKSTART, ['backbone=ssagn'])),
      /--set backbone=ssagn: backbone\.name: 'ssagn' is not in the backbones registry[\s\S]*did you mean `ssagan`/,
    );
    assert.match(
      refused(() => loadConfig(QUICKSTART, ['backbone.name=ssagan'])),
      /unknown key `condDim` in backbone/,
      'a bare name change keeps the old keys, as before',
    );
    assert.notEqual(configHash(config), configHash(loadConfig(QUICKSTART).config));
  });
});
