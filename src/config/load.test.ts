import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import {ScgError} from '../errors';
import {contrastiveModes, evaluators} from '../registry';
import {entryProperties} from '../registry/registry';
import {loadConfig, loadConfigText} from './load';
import {configReference} from './reference';
import {experimentSchema} from './schema';

const ROOT = path.resolve(__dirname, '../../..');

/** Loads YAML text and returns the BAD_INPUT message (fails the test if it loads). */
function problem(text: string, sets: string[] = []): string {
  try {
    loadConfigText(text, 'exp.yaml', sets);
  } catch (err) {
    assert.ok(err instanceof ScgError && err.code === 'BAD_INPUT', `expected BAD_INPUT, got ${String(err)}`);
    return `${err.message}\n${err.hint ?? ''}`;
  }
  assert.fail('config loaded but should not have');
}

describe('config loading', () => {
  it('loads every shipped config and fills defaults from the schema', () => {
    for (const file of fs.readdirSync(path.join(ROOT, 'configs')).filter((f) => f.endsWith('.yaml'))) {
      const {config} = loadConfig(path.join(ROOT, 'configs', file));
      assert.ok(config.name && config.phases.length > 0, file);
    }
    const {config} = loadConfigText('name: x\n', 'x.yaml');
    assert.equal(config.dataset.name, 'shapes');
    assert.equal(config.contrastive.temperature, 0.1);
    assert.equal(config.pretrain.batchSize, 32);
    assert.equal(config.encoders['dropout'], 0.5);
    assert.deepEqual(config.phases, ['pretrain']);
  });

  it('types --set values: numbers, booleans, lists, strings', () => {
    const {config} = loadConfigText('name: x\n', 'x.yaml', [
      'contrastive.temperature=0.25',
      'seed=7',
      'contrastive.pretrainViews=[text]',
      'dataset.name=shapes-multi',
      'contrastive.mode=supcon-multi',
    ]);
    assert.equal(config.contrastive.temperature, 0.25);
    assert.equal(config.seed, 7);
    assert.deepEqual(config.contrastive.pretrainViews, ['text']);
    assert.equal(config.dataset.name, 'shapes-multi');
  });

  it('reports YAML syntax errors, empty files and non-mapping roots with a line', () => {
    assert.match(problem('name: [x\n'), /^exp\.yaml:\d+:\d+: YAML syntax error/);
    assert.match(problem(''), /exp\.yaml: the file is empty/);
    assert.match(problem('- a\n- b\n'), /exp\.yaml:1:1: the top level must be a mapping .* found a list/);
    assert.match(problem('42\n'), /found a number/);
  });

  it('names unknown keys at any depth with file, line, path and a suggestion', () => {
    assert.match(
      problem('name: x\nbackbon: {name: attngan}\n'),
      /exp\.yaml:2:1: backbon: unknown key `backbon` at the top level[\s\S]*did you mean `backbone`/,
    );
    assert.match(
      problem('name: x\ndataset:\n  name: shapes\n  resoluton: 32\n'),
      /exp\.yaml:4:3: dataset\.resoluton: unknown key[\s\S]*did you mean `resolution`/,
    );
    assert.match(problem('name: x\npretrain: {stepz: 3}\n'), /pretrain\.stepz: unknown key[\s\S]*did you mean `steps`/);
  });

  it('reports wrong types and out-of-range values with what was expected and found', () => {
    assert.match(
      problem('name: x\npretrain: {steps: many}\n'),
      /exp\.yaml:2:12: pretrain\.steps: expected integer, but found 'many' \(a string\)/,
    );
    assert.match(
      problem('name: x\ncontrastive: {temperature: 0}\n'),
      /contrastive\.temperature: must be > 0, but found 0/,
    );
    assert.match(problem('name: x\ndataset: {labelNoise: 1.5}\n'), /dataset\.labelNoise: must be <= 1, but found 1\.5/);
    assert.match(problem('name: x\npretrain: {batchSize: 1}\n'), /pretrain\.batchSize: must be >= 2, but found 1/);
    assert.match(problem('name: x\ntrain: {batchSize: 1}\n'), /train\.batchSize: must be >= 2/);
  });

  it('lists registered names for unknown dataset, backbone and mode names', () => {
    assert.match(
      problem('name: x\ndataset: {name: shape}\n'),
      /'shape' is not in the datasets registry; registered: shapes, shapes-multi[\s\S]*did you mean `shapes`/,
    );
    assert.match(
      problem('name: x\nbackbone: {name: attgan}\n'),
      /exp\.yaml:2:12: backbone\.name: 'attgan' is not in the backbones registry; registered: attngan/,
    );
    assert.match(
      problem('name: x\ncontrastive: {mode: supcom}\n'),
      /'supcom' is not in the contrastive registry[\s\S]*did you mean `supcon`/,
    );
  });

  it('rejects semantic conflicts: label kinds, jaccard without label sets, phase order', () => {
    assert.match(
      problem('name: x\ndataset: {name: shapes}\ncontrastive: {mode: supcon-multi}\n'),
      /exp\.yaml:3:15: contrastive\.mode: mode 'supcon-multi' needs label sets, but dataset 'shapes' has one label per image[\s\S]*use mode supcon/,
    );
    assert.match(
      problem('name: x\ndataset: {name: shapes-multi}\ncontrastive: {mode: supcon}\n'),
      /needs one label per image[\s\S]*supcon-multi/,
    );
    assert.match(
      problem('name: x\ncontrastive: {mode: supcon, positives: jaccard}\n'),
      /exp\.yaml:2:\d+: contrastive\.positives: `positives` is read by contrastive supcon-multi only, but contrastive\.mode is 'supcon', so it would have no effect[\s\S]*set contrastive\.mode: supcon-multi/,
    );
    assert.match(
      problem('name: x\ndataset: {name: shapes, resolution: 16}\nbackbone:\n  name: attngan\n  stages: 3\n'),
      /exp\.yaml:5:3: backbone\.stages: 3 stages at resolution 16 leave a first stage of 4 px/,
      'a backbone check names the key it is about',
    );
  });

  it("refuses an entry's own key set under another entry of its section, and checks the evaluator before training", () => {
    // every key a mode or an evaluator declares, away from its default, under every other entry
    for (const [section, selector, registry] of [
      ['contrastive', 'mode', contrastiveModes],
      ['eval', 'evaluator', evaluators],
    ] as const) {
      for (const owner of registry.list()) {
        for (const [key, property] of Object.entries(entryProperties(owner))) {
          const other = registry.list().find((e) => !(key in entryProperties(e)));
          if (!other) continue;
          const value =
            property['type'] === 'string'
              ? ((property['enum'] as string[] | undefined)?.at(-1) ?? '/x')
              : property['type'] === 'integer'
                ? Number(property['default']) + 1
                : 0.25;
          if (value === property['default']) continue;
          assert.match(
            problem(`name: x\n${section}: {${selector}: ${other.name}, ${key}: ${JSON.stringify(value)}}\n`),
            new RegExp(`${section}\\.${key}: \`${key}\` is read by ${registry.kind} .*${owner.name}.* only`),
            `${section}.${key} under ${other.name}`,
          );
        }
      }
    }
    // choosing an entry fills its own keys' defaults
    for (const e of evaluators.list()) {
      const filled = loadConfigText(`name: x\neval: {evaluator: ${e.name}}\n`, 'exp.yaml').config.eval;
      for (const [key, property] of Object.entries(entryProperties(e)))
        assert.deepEqual((filled as unknown as Record<string, unknown>)[key], property['default'], `${e.name}.${key}`);
    }
    // at its default, another entry's key is harmless (every config holds it)
    assert.equal(
      loadConfigText('name: x\ncontrastive: {positives: any}\n', 'exp.yaml').config.contrastive.mode,
      'supcon',
    );
    assert.equal(loadConfigText('name: x\neval: {builtinSteps: 20}\n', 'exp.yaml').config.eval.builtinSteps, 20);
    // an evaluator that cannot be built stops the run at load, not after training
    const inception = 'name: x\nphases: [pretrain, train, eval]\neval: {evaluator: inception-v3}\n';
    assert.match(
      problem(inception),
      /exp\.yaml:3:\d+: eval\.inceptionPath: evaluator inception-v3 loads its model from eval\.inceptionPath, which is not set/,
    );
    assert.equal(loadConfigText(inception, 'exp.yaml', ['eval.inceptionPath=/m']).config.eval.inceptionPath, '/m');
    assert.equal(
      loadConfigText(inception, 'exp.yaml', ['phases=[pretrain, train]']).config.eval.evaluator,
      'inception-v3',
    );
  });

  it('checks a paper protocol against the dataset, its split, the resolution and the FID Inception weights', () => {
    const saved = process.env['SCG_FID_INCEPTION'];
    process.env['SCG_FID_INCEPTION'] = path.join(os.tmpdir(), 'scg-no-such-weights.safetensors');
    const base = 'name: x\nphases: [pretrain, train, eval]\n';
    assert.match(
      problem(`${base}eval: {protocol: paper-cub}\n`),
      /exp\.yaml:3:\d+: eval\.protocol: eval\.protocol paper-cub evaluates as the papers do on cub, but dataset is 'shapes'/,
    );
    const cub = `${base}dataset: {name: cub, root: /data/CUB_200_2011, resolution: 256}\neval: {protocol: paper-cub}\n`;
    const msg = problem(cub);
    assert.match(msg, /2 problems/);
    assert.match(msg, /dataset\.split: .*the 50 held-out classes, but split is 'official'/);
    assert.match(
      msg,
      /eval\.fidInceptionPath: evaluator fid-inception needs pytorch-fid's Inception weights, but eval\.fidInceptionPath is not set and .*scg-no-such-weights\.safetensors does not exist \(eval\.protocol paper-cub evaluates with it\)/,
    );
    const ok = ['dataset.split=classes', 'eval.fidInceptionPath=/w/pt_inception.safetensors'];
    assert.equal(loadConfigText(cub, 'exp.yaml', ok).config.eval.protocol, 'paper-cub');
    assert.match(
      problem(cub, [...ok, 'dataset.resolution=64']),
      /--set dataset\.resolution=64: dataset\.resolution: .*attngan generates 256 px there, but resolution is 64/,
    );
    assert.match(
      problem(cub, [...ok, 'backbone=galip']),
      /galip generates 224 px there, but resolution is 256[\s\S]*set dataset\.resolution: 224/,
    );
    const coco = `${base}dataset: {name: coco, root: /data/coco, resolution: 256, maxTest: 500}\ncontrastive: {mode: supcon-multi}\neval: {protocol: paper-coco, fidInceptionPath: w.safetensors}\n`;
    assert.match(
      problem(coco),
      /dataset\.maxTest: .*all val2014 images, but maxTest is 500[\s\S]*set dataset\.maxTest: 0/,
    );
    assert.equal(loadConfigText(coco, 'exp.yaml', ['dataset.maxTest=0']).config.eval.protocol, 'paper-coco');
    if (saved === undefined) delete process.env['SCG_FID_INCEPTION'];
    else process.env['SCG_FID_INCEPTION'] = saved;
  });

  it('rejects bad --set paths and values, naming the override', () => {
    assert.match(
      problem('name: x\n', ['contrastive.temprature=0.2']),
      /--set contrastive\.temprature=0\.2: `contrastive\.temprature` is not a config key[\s\S]*did you mean `temperature`/,
    );
    assert.match(
      problem('name: x\n', ['contrastive.temperature=-1']),
      /^--set contrastive\.temperature=-1: contrastive\.temperature: must be > 0/,
    );
    assert.match(problem('name: x\n', ['seed']), /--set seed: expected key\.path=value/);
    assert.match(
      problem('name: x\n', ['pretrain.steps=lots']),
      /--set pretrain\.steps=lots: pretrain\.steps: expected integer/,
    );
  });

  it('reports every problem of a file at once', () => {
    const msg = problem('name: x\ncontrastive: {temperature: 0, mode: supcom}\npretrain: {steps: 0}\n');
    assert.match(msg, /^exp\.yaml: 3 problems/);
  });

  it('keeps schema/experiment.schema.json and docs/config.md in sync (regenerate: npx scg schema --out schema/experiment.schema.json --docs docs/config.md)', () => {
    const committed = JSON.parse(fs.readFileSync(path.join(ROOT, 'schema/experiment.schema.json'), 'utf8')) as unknown;
    assert.deepEqual(committed, JSON.parse(JSON.stringify(experimentSchema())));
    assert.equal(fs.readFileSync(path.join(ROOT, 'docs/config.md'), 'utf8'), configReference());
  });
});
