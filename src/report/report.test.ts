// Reports from a store with known metric values: seed aggregation, Δ vs baseline, best marks, protocol split, formats.
import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import {loadConfig} from '../config/load';
import {configHash, flattenConfig} from '../core/identity';
import {type MetricRow, Store} from '../store/store';
import {SweepStore} from '../store/sweeps';
import {buildReport, DEFAULT_METRICS, OPTIONAL_DEFAULT_METRICS} from './aggregate';
import {experimentSource, sweepSource} from './collect';
import {reportFigures} from './figures';
import {fmtDelta, formatReport, type TextFormat} from './format';
import {reportHtml} from './html';

const TINY = path.resolve(__dirname, '../../../test/fixtures/tiny.yaml');
const SNAPSHOTS = path.resolve(__dirname, '../../../test/fixtures/report');

/** FID of (backbone, mode, seed): baselines around 100 and 80, supcon 10% lower; IS and R-precision likewise made up. */
const FID: Record<string, number[]> = {
  'attngan/none': [100, 104, 96],
  'attngan/supcon': [90, 92, 88],
  'dmgan/none': [80, 82, 78],
  'dmgan/supcon': [70, 75],
};

/** The builtin evaluator's protocol with these generated-image counts (the fixtures' main one: 32). */
function builtinProtocol(store: Store, nGenerated = 32): number {
  return store.protocolId({
    evaluator: 'builtin',
    weightsSha256: 'a'.repeat(64),
    nGenerated,
    nReal: 8,
    resolution: 16,
    split: 'test',
    seed: 0,
    details: {},
  });
}

/** A completed run of `config` with the given metric rows; returns its config hash. */
function completedRun(store: Store, id: string, experiment: string, config: object, metrics: MetricRow[]): string {
  const hash = configHash(config);
  store.createRun({
    id,
    experiment,
    configHash: hash,
    attempt: 1,
    configJson: JSON.stringify(config),
    seed: 0,
    runDir: '/nowhere',
    gitCommit: null,
    gitDirty: null,
    versions: {},
    backend: 'wasm',
    host: 'h',
    params: {},
  });
  store.addMetrics(id, metrics);
  store.setStatus(id, 'completed');
  return hash;
}

/**
 * A store with a registered 2 × 2 sweep over 3 seeds. One dmgan/supcon seed never completed; attngan/none seed 0 was
 * also evaluated under a second protocol (more samples), which must get its own table.
 */
function fixtureStore(): Store {
  const store = Store.open(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'scg-report-')), 'experiments.db'));
  const main = builtinProtocol(store);
  const big = builtinProtocol(store, 512);
  const cells: {index: number; key: string; assignment: Record<string, unknown>; configHash: string}[] = [];
  let index = 0;
  for (const seed of [0, 1, 2]) {
    for (const backbone of ['attngan', 'dmgan']) {
      for (const mode of ['none', 'supcon']) {
        const {config} = loadConfig(TINY, [
          `backbone.name=${backbone}`,
          `contrastive.mode=${mode}`,
          `seed=${seed}`,
          'name=fixture',
          'phases=[pretrain, train, eval]',
        ]);
        const hash = configHash(config);
        const assignment = {'backbone.name': backbone, 'contrastive.mode': mode, seed};
        cells.push({index: index++, key: JSON.stringify(assignment), assignment, configHash: hash});
        const fid = FID[`${backbone}/${mode}`]![seed];
        const run = store.createRun({
          id: `run-${backbone}-${mode}-${seed}`,
          experiment: 'fixture',
          configHash: hash,
          attempt: 1,
          configJson: JSON.stringify(config),
          seed,
          runDir: '/nowhere',
          gitCommit: null,
          gitDirty: null,
          versions: {},
          backend: 'wasm',
          host: 'h',
          params: flattenConfig(config),
        });
        if (fid === undefined) {
          store.setStatus(run.id, 'failed', 'NaN in g_loss at step 3');
          continue;
        }
        const at = (step: number, key: string, value: number, protocol: number | null, phase = 'eval') => ({
          phase,
          key,
          step,
          value,
          wall_time: 0,
          protocol_id: protocol,
        });
        store.addMetrics(run.id, [
          at(5, 'fid', fid + 50, main),
          at(10, 'fid', fid, main),
          at(10, 'is_mean', 2 + fid / 1000, main),
          at(10, 'r_precision', mode === 'none' ? 0.25 : 0.5, main),
          at(5, 'g_loss', 3, null, 'train'),
          at(10, 'g_loss', 2, null, 'train'),
        ]);
        if (backbone === 'attngan' && mode === 'none' && seed === 0) store.addMetrics(run.id, [at(10, 'fid', 60, big)]);
        store.setStatus(run.id, 'completed');
      }
    }
  }
  new SweepStore(store).register(
    {
      name: 'fixture',
      file: '/nowhere/s.yaml',
      specHash: 'h',
      specJson: JSON.stringify({baseline: {'contrastive.mode': 'none'}}),
      axes: ['backbone.name', 'contrastive.mode'],
      cells,
    },
    {extend: false},
  );
  return store;
}

describe('scg report', () => {
  it('aggregates seeds (mean, sample std, n), measures Δ against the matching baseline, marks the best', () => {
    const store = fixtureStore();
    const report = buildReport(store, sweepSource(store, 'fixture'), {
      metrics: ['fid', 'is_mean', 'r_precision'],
      reduce: 'last',
    });
    assert.deepEqual(report.axes, ['backbone.name', 'contrastive.mode']);
    assert.equal(report.tables.length, 2, 'the second protocol gets its own table');
    const [main, big] = report.tables;
    assert.match(main!.protocol.label, /32 generated vs 8 real test images, 16 px/);
    const row = (b: string, m: string) =>
      main!.rows.find((r) => r.labels['backbone.name'] === b && r.labels['contrastive.mode'] === m)!;
    const base = row('attngan', 'none').stats['fid']!;
    assert.equal(base.mean, 100);
    assert.equal(base.std, 4); // sample std of 100, 104, 96
    assert.equal(base.n, 3);
    const sup = row('attngan', 'supcon').stats['fid']!;
    assert.equal(sup.mean, 90);
    assert.equal(sup.delta, -10);
    assert.equal(sup.deltaPct, -10);
    const dm = row('dmgan', 'supcon').stats['fid']!;
    assert.equal(dm.n, 2, 'the failed seed is left out');
    assert.equal(dm.mean, 72.5);
    assert.equal(dm.delta, -7.5, 'against dmgan/none, not attngan/none');
    assert.ok(dm.best && !sup.best, 'lowest FID is best');
    // Welch 95% intervals (values from scipy's ttest_ind(equal_var=False).confidence_interval()):
    // attngan: 90, 92, 88 against 100, 104, 96 → [−18.311, −1.689], which excludes 0;
    // dmgan: 70, 75 against 80, 82, 78 → [−25.081, 10.081], which does not.
    const near = (got: number | undefined, want: number) =>
      assert.ok(Math.abs(got! - want) < 1e-3, `${got} vs ${want}`);
    near(sup.deltaCi?.low, -18.31079900636501);
    near(sup.deltaCi?.high, -1.689200993634989);
    assert.equal(sup.deltaCi!.excludesZero, true);
    near(dm.deltaCi?.low, -25.081265540471293);
    near(dm.deltaCi?.high, 10.081265540471293);
    assert.equal(dm.deltaCi!.excludesZero, false);
    assert.equal(base.deltaCi, undefined, 'the baseline has no Δ');
    assert.ok(
      row('attngan', 'supcon').stats['r_precision']!.best && row('dmgan', 'supcon').stats['r_precision']!.best,
      'ties at the top are all marked',
    );
    assert.ok(!Object.values(row('dmgan', 'none').stats).some((s) => s?.best));
    assert.equal(big!.rows.length, 1);
    assert.equal(big!.rows[0]!.stats['fid']!.mean, 60);
    assert.ok(report.notes.some((n) => /2 evaluation protocols; they are never averaged together/.test(n)));
    assert.ok(report.notes.some((n) => /1 run not completed/.test(n)));
    store.close();
  });

  it('--reduce best and at:STEP pick other values; --sort orders best first; training metrics have their own table', () => {
    const store = fixtureStore();
    const source = sweepSource(store, 'fixture');
    const at5 = buildReport(store, source, {metrics: ['fid'], reduce: 'at:5'});
    assert.equal(at5.tables[0]!.rows[0]!.stats['fid']!.mean, 150);
    const best = buildReport(store, source, {metrics: ['fid'], reduce: 'best'});
    assert.equal(best.tables[0]!.rows[0]!.stats['fid']!.mean, 100);
    const sorted = buildReport(store, source, {metrics: ['fid'], reduce: 'last', sort: 'fid'});
    assert.deepEqual(
      sorted.tables[0]!.rows.map((r) => r.stats['fid']!.mean),
      [72.5, 80, 90, 100],
    );
    const loss = buildReport(store, source, {metrics: ['g_loss'], reduce: 'last'});
    assert.equal(loss.tables.length, 1);
    assert.equal(loss.tables[0]!.protocol.key, 'training');
    assert.equal(loss.tables[0]!.rows[0]!.stats['g_loss']!.mean, 2);
    assert.throws(
      () => buildReport(store, source, {metrics: ['fid'], reduce: 'median'}),
      /expected last, best or at:STEP/,
    );
    store.close();
  });

  it('label_acc is a default metric only where some run stored it, and higher is better', () => {
    const store = fixtureStore();
    const source = sweepSource(store, 'fixture');
    const opts = {metrics: [...DEFAULT_METRICS], optional: OPTIONAL_DEFAULT_METRICS, reduce: 'last'};
    assert.deepEqual(buildReport(store, source, opts).metrics, ['fid', 'is_mean', 'r_precision']);
    const protocol = builtinProtocol(store);
    const row = (run: string, value: number) =>
      store.addMetrics(run, [{phase: 'eval', key: 'label_acc', step: 10, value, wall_time: 0, protocol_id: protocol}]);
    row('run-attngan-none-0', 0.25);
    row('run-attngan-supcon-0', 0.5);
    const report = buildReport(store, source, opts);
    assert.deepEqual(report.metrics, ['fid', 'is_mean', 'r_precision', 'label_acc']);
    const acc = report.tables[0]!.rows.map((r) => r.stats['label_acc']);
    assert.deepEqual(
      acc.map((a) => a?.mean ?? null),
      [0.25, 0.5, null, null],
    );
    assert.equal(acc[1]!.best, true, 'the higher label accuracy is the best');
    assert.equal(acc[1]!.delta, 0.25, 'Δ against the baseline cell');
    store.close();
  });

  it('step time and phase peak memory: the median and the largest of the GAN phase whatever --reduce, with Δ and interval', () => {
    const store = fixtureStore();
    const source = sweepSource(store, 'fixture');
    const opts = {metrics: [...DEFAULT_METRICS], optional: OPTIONAL_DEFAULT_METRICS, reduce: 'last'};
    // Pretraining steps (ignored: the GAN phase is read), then GAN steps whose median is `ms` and whose last step is
    // an outlier (an evaluation would not be in it, but a slow step is).
    const cost = (run: string, ms: number, peak: number) =>
      store.addMetrics(run, [
        ...[1, 2, 3].map((step) => ({phase: 'pretrain', key: 'step_ms', step, value: 1, wall_time: 0})),
        {phase: 'pretrain', key: 'phase_peak_rss_mb', step: 3, value: 9999, wall_time: 0},
        ...[ms - 1, ms, ms + 2, 1000].map((value, i) => ({
          phase: 'train',
          key: 'step_ms',
          step: i + 1,
          value,
          wall_time: 0,
        })),
        {phase: 'train', key: 'phase_peak_rss_mb', step: 2, value: peak, wall_time: 0},
        {phase: 'train', key: 'phase_peak_rss_mb', step: 4, value: peak - 10, wall_time: 0},
      ]);
    // attngan/none 100, 104, 96 ms; attngan/supcon 110, 112, 108 ms (the seeds of the Welch case in welch.test.ts,
    // shifted): Δ = 10 ms with means 100 and 110, stds 4 and 2, n 3 and 3.
    [100, 104, 96].forEach((ms, seed) => cost(`run-attngan-none-${seed}`, ms, 500 + seed));
    [110, 112, 108].forEach((ms, seed) => cost(`run-attngan-supcon-${seed}`, ms, 520 + seed));
    const report = buildReport(store, source, opts);
    assert.deepEqual(report.metrics, ['fid', 'is_mean', 'r_precision', 'step_ms', 'phase_peak_rss_mb']);
    const training = report.tables.find((t) => t.protocol.key === 'training')!;
    const [none, supcon] = training.rows;
    assert.deepEqual(
      none!.stats['step_ms'] && [none!.stats['step_ms'].mean, none!.stats['step_ms'].std],
      [101, 4],
      'per run: the median of (ms − 1, ms, ms + 2, 1000) is ms + 1',
    );
    assert.equal(none!.stats['phase_peak_rss_mb']!.mean, 501, 'the largest of the GAN phase, not the pretraining 9999');
    const s = supcon!.stats['step_ms']!;
    assert.equal(s.delta, 10);
    // means 111 and 101, stds 2 and 4, n 3 each: v = 4/3 + 16/3 = 20/3; df = v² / ((4/3)² / 2 + (16/3)² / 2) =
    // 2.94118; t_{0.975, 2.94118} = 3.21876 (scipy.stats.t.ppf); half-width 3.21876 · √(20/3) = 8.31080, so the
    // interval is [1.68920, 18.31080], as scipy's ttest_ind(equal_var=False).confidence_interval() gives.
    assert.ok(Math.abs(s.deltaCi!.df - 2.9411764705882355) < 1e-9, `df ${s.deltaCi!.df}`);
    assert.ok(Math.abs(s.deltaCi!.low - 1.689200993634989) < 1e-6, `low ${s.deltaCi!.low}`);
    assert.ok(Math.abs(s.deltaCi!.high - 18.31079900636501) < 1e-6, `high ${s.deltaCi!.high}`);
    assert.equal(s.deltaCi!.excludesZero, true);
    assert.equal(supcon!.stats['phase_peak_rss_mb']!.delta, 20);
    assert.equal(training.rows.length, 2, 'cells without the cost metrics have no row in that table');
    assert.deepEqual(training.metrics, ['step_ms', 'phase_peak_rss_mb'], 'the training table has no empty FID column');
    assert.equal(report.tables[0]!.metrics.includes('step_ms'), false, 'nor an evaluation table an empty ms/step one');
    assert.match(report.notes.join('\n'), /step_ms is the median wall time of one training step/);
    const md = formatReport(report, 'md');
    assert.match(md, /\| ms\/step ↓ \|/);
    store.close();
  });

  it('an interval that excludes 0 prints its bound nearer 0 to its first digit, never as 0.000 beside ≠0', () => {
    // The paper table's GALIP label_acc Δ on 2026-12-05: +0.052, interval [0.0004, 0.1036] over 3 seeds each.
    const row = {cellKey: 'c', labels: {}, isBaseline: false, runIds: [], seeds: [0, 1, 2], stats: {}};
    const stat = (low: number, high: number) => ({
      mean: 0.352,
      std: 0.023,
      n: 3,
      delta: 0.052,
      deltaPct: 17.3,
      deltaCi: {low, high, df: 2.39, excludesZero: low > 0 || high < 0},
      best: false,
    });
    assert.equal(fmtDelta(stat(0.0003994, 0.1036006), row), '+0.052 (+17.3%) [0.0004, 0.1036] ≠0');
    assert.equal(fmtDelta(stat(-0.1036006, -0.0003994), row), '+0.052 (+17.3%) [−0.1036, −0.0004] ≠0');
    assert.equal(fmtDelta(stat(-0.0003994, 0.1036006), row), '+0.052 (+17.3%) [0.000, 0.104]', 'touching 0: as before');
    assert.equal(fmtDelta(stat(0.0213, 0.1036), row), '+0.052 (+17.3%) [0.021, 0.104] ≠0', 'a clear bound: as before');
  });

  it('--experiment finds the axes from the configs that differ, takes the baseline from the flag, counts one run per seed', () => {
    const store = fixtureStore();
    // a second attempt (`scg run --force`) of attngan/none seed 0 replaces the first in the report
    const first = store.getRun('run-attngan-none-0')!;
    store.createRun({
      id: `${first.config_hash}-2`,
      experiment: 'fixture',
      configHash: first.config_hash,
      attempt: 2,
      configJson: first.config_json,
      seed: 0,
      runDir: '/nowhere',
      gitCommit: null,
      gitDirty: null,
      versions: {},
      backend: 'wasm',
      host: 'h',
      params: {},
    });
    const protocol = store.metrics('run-attngan-none-0', 'fid').find((m) => m.step === 10)!.protocol_id!;
    store.addMetrics(`${first.config_hash}-2`, [
      {phase: 'eval', key: 'fid', step: 10, value: 50, wall_time: 0, protocol_id: protocol},
    ]);
    store.setStatus(`${first.config_hash}-2`, 'completed');
    const report = buildReport(store, experimentSource(store, 'fixture', {'contrastive.mode': 'none'}), {
      metrics: ['fid'],
      reduce: 'last',
    });
    assert.deepEqual(report.axes, ['backbone.name', 'contrastive.mode']);
    const again = report.tables[0]!.rows.find(
      (r) => r.labels['backbone.name'] === 'attngan' && r.labels['contrastive.mode'] === 'none',
    )!.stats['fid']!;
    assert.equal(again.n, 3);
    assert.equal(again.mean, (50 + 104 + 96) / 3);
    assert.equal(
      report.tables[0]!.rows.find(
        (r) => r.labels['backbone.name'] === 'dmgan' && r.labels['contrastive.mode'] === 'supcon',
      )!.stats['fid']!.delta,
      -7.5,
    );
    store.close();
  });

  it('zip axes after the first get no column of their own, and the report says so', () => {
    const store = fixtureStore();
    const sweeps = new SweepStore(store);
    const cells = sweeps.cells(sweeps.get('fixture')!.id).map((c) => ({
      index: c.idx,
      key: c.key,
      assignment: JSON.parse(c.assignment_json) as Record<string, unknown>,
      configHash: c.config_hash,
    }));
    sweeps.register(
      {
        name: 'zipped',
        file: '/s.yaml',
        specHash: 'z',
        specJson: JSON.stringify({zip: {'backbone.name': [], 'contrastive.mode': []}}),
        axes: ['backbone.name', 'contrastive.mode'],
        cells,
      },
      {extend: false},
    );
    const report = buildReport(store, sweepSource(store, 'zipped'), {metrics: ['fid'], reduce: 'last'});
    assert.deepEqual(report.axes, ['backbone.name']);
    assert.ok(
      report.notes.includes('contrastive.mode advance with backbone.name (zip), so only backbone.name has a column'),
    );
    store.close();
  });

  it('a paper protocol gets its own table, named after it, even where its columns equal scg protocol ones', () => {
    const store = Store.open(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'scg-report-')), 'experiments.db'));
    const protocol = (preset?: string) =>
      store.protocolId({
        evaluator: 'fid-inception',
        weightsSha256: 'c'.repeat(64),
        nGenerated: 30000,
        nReal: 2933,
        resolution: 256,
        split: 'test',
        seed: 0,
        ...(preset ? {preset} : {}),
        details: preset ? {preset} : {},
      });
    completedRun(store, 'p0', 'paper', loadConfig(TINY, ['name=paper']).config, [
      {phase: 'eval', key: 'fid', step: 2, value: 21.5, wall_time: 0, protocol_id: protocol()},
      {phase: 'eval', key: 'fid', step: 2, value: 20.5, wall_time: 0, protocol_id: protocol('paper-cub')},
    ]);
    const report = buildReport(store, experimentSource(store, 'paper'), {metrics: ['fid'], reduce: 'last'});
    const labels = report.tables.map((t) => t.protocol.label);
    assert.equal(labels.length, 2, labels.join('\n'));
    assert.ok(labels.some((l) => l.startsWith('paper-cub protocol: fid-inception evaluator')));
    assert.equal(labels.filter((l) => l.startsWith('paper-cub')).length, 1);
    store.close();
  });

  it('a hand-picked baseline cell that does not set an axis is the baseline of every value of it (a τ sweep)', () => {
    const store = Store.open(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'scg-report-')), 'experiments.db'));
    const protocol = store.protocolId({
      evaluator: 'builtin',
      weightsSha256: 'b',
      nGenerated: 32,
      nReal: 8,
      resolution: 16,
      split: 'test',
      seed: 0,
      details: {},
    });
    const cells = [
      {assignment: {'contrastive.temperature': 0.1, seed: 0}, sets: ['contrastive.temperature=0.1'], fid: 80},
      {assignment: {'contrastive.temperature': 0.2, seed: 0}, sets: ['contrastive.temperature=0.2'], fid: 75},
      {assignment: {'contrastive.temperature': 1, seed: 0}, sets: ['contrastive.temperature=1'], fid: 70},
      {assignment: {'contrastive.mode': 'none', seed: 0}, sets: ['contrastive.mode=none'], fid: 100},
    ].map((c, index) => {
      const {config} = loadConfig(TINY, [...c.sets, 'name=tau']);
      const hash = completedRun(store, `r${index}`, 'tau', config, [
        {phase: 'eval', key: 'fid', step: 2, value: c.fid, wall_time: 0, protocol_id: protocol},
      ]);
      return {index, key: JSON.stringify(c.assignment), assignment: c.assignment, configHash: hash};
    });
    new SweepStore(store).register(
      {
        name: 'tau',
        file: '/s.yaml',
        specHash: 'h',
        specJson: JSON.stringify({baseline: {'contrastive.mode': 'none'}}),
        axes: ['contrastive.temperature', 'contrastive.mode'],
        cells,
      },
      {extend: false},
    );
    const source = sweepSource(store, 'tau');
    const report = buildReport(store, source, {metrics: ['fid'], reduce: 'last'});
    assert.deepEqual(
      report.tables[0]!.rows.map((r) => [
        r.labels['contrastive.temperature'],
        r.labels['contrastive.mode'],
        r.stats['fid']!.delta,
      ]),
      [
        ['0.1', '–', -20],
        ['0.2', '–', -25],
        ['1', '–', -30],
        ['–', 'none', undefined],
      ],
    );
    const figures = reportFigures(store, report, source);
    const axis = figures.find((f) => f.file === 'axis-contrastive.temperature-fid.svg');
    assert.ok(axis, figures.map((f) => f.file).join(', '));
    // τ spans a decade: a log axis, ticks at the grid's values; 0.2 sits log10(2) of the way from 0.1 to 1
    assert.match(axis.svg, />contrastive\.temperature \(log scale\)</);
    assert.deepEqual(
      [...axis.svg.matchAll(/y="222" text-anchor="middle">([^<]+)</g)].map((m) => m[1]),
      ['0.1', '0.2', '1'],
    );
    assert.deepEqual(
      [...axis.svg.matchAll(/<circle cx="([\d.]+)"/g)].map((m) => Number(m[1])),
      [64, 64 + Math.round(344 * Math.log10(2) * 10) / 10, 408],
    );
    // the baseline, which has no τ, is a dashed line across the plot at its FID, named in the legend
    const dashed = [...axis.svg.matchAll(/<line x1="64" x2="408" y1="([\d.]+)" y2="\1" [^>]*stroke-dasharray/g)];
    assert.equal(dashed.length, 1);
    assert.match(axis.svg, />mode=none</);
    const yOf = (fid: number) =>
      Number(axis.svg.match(new RegExp(`<text x="58" y="([\\d.]+)" text-anchor="end">${fid}<`))![1]) - 4;
    assert.equal(Number(dashed[0]![1]), yOf(100));
    store.close();
  });

  for (const format of ['md', 'csv', 'latex', 'json'] as TextFormat[]) {
    it(`${format} output matches its snapshot`, () => {
      const store = fixtureStore();
      const text = formatReport(
        buildReport(store, sweepSource(store, 'fixture'), {metrics: ['fid', 'is_mean', 'r_precision'], reduce: 'last'}),
        format,
      );
      const file = path.join(SNAPSHOTS, `fixture.${format === 'latex' ? 'tex' : format}`);
      if (process.env['UPDATE_SNAPSHOTS']) fs.writeFileSync(file, text);
      assert.equal(
        text,
        fs.readFileSync(file, 'utf8'),
        `${file} differs; rerun with UPDATE_SNAPSHOTS=1 if the change is intended`,
      );
      store.close();
    });
  }

  it('html is one page with the tables and inline SVG figures, and nothing loaded from elsewhere', () => {
    const store = fixtureStore();
    const source = sweepSource(store, 'fixture');
    const report = buildReport(store, source, {metrics: ['fid', 'is_mean', 'r_precision'], reduce: 'last'});
    const figures = reportFigures(store, report, source);
    assert.ok(figures.some((f) => f.file === 'bars-fid-p0.svg'));
    assert.ok(figures.some((f) => f.file === 'curves-cell-0.svg'));
    const html = reportHtml(store, report, figures);
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<td class="best">72\.50 ± 3\.54<\/td>/);
    assert.equal((html.match(/<svg /g) ?? []).length >= figures.length, true);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'self-contained');
    store.close();
  });

  it('html fits a 1400-px window: 1336 px of content inside 2em margins, wide tables scroll in their own box', () => {
    const store = fixtureStore();
    const report = buildReport(store, sweepSource(store, 'fixture'), {metrics: ['fid'], reduce: 'last'});
    const html = reportHtml(store, report, []);
    assert.match(html, /body\{[^}]*margin:2em;max-width:1336px/);
    assert.match(html, /\.table\{max-width:100%;overflow-x:auto\}/);
    assert.equal((html.match(/<div class="table"><table>/g) ?? []).length, report.tables.length);
    store.close();
  });

  it('a curve that is zero throughout is left out; a metric measured at one step is a labelled point, not a line', () => {
    const store = Store.open(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'scg-figures-')), 'experiments.db'));
    const protocol = builtinProtocol(store);
    const {config} = loadConfig(TINY, ['name=figs', 'contrastive.mode=none']);
    const rows: MetricRow[] = [10, 20, 30].flatMap((step) => [
      {phase: 'train', key: 'g_loss', step, value: 4 - step / 10, wall_time: 0, protocol_id: null},
      {phase: 'train', key: 'contrastive', step, value: 0, wall_time: 0, protocol_id: null},
    ]);
    rows.push({phase: 'eval', key: 'fid', step: 150, value: 123.4, wall_time: 0, protocol_id: protocol});
    completedRun(store, 'r1', 'figs', config, rows);
    const report = buildReport(store, experimentSource(store, 'figs'), {metrics: ['fid'], reduce: 'last'});
    const curves = reportFigures(store, report, experimentSource(store, 'figs')).find((f) =>
      f.file.startsWith('curves-'),
    )!;
    assert.match(curves.svg, />G loss|>g_loss/);
    assert.doesNotMatch(curves.svg, />contrastive</, 'the all-zero contrastive curve has no chart');
    // the FID chart: one point at step 150, labelled with its value; its x axis has the one tick 150
    const fidChart = curves.svg.slice(curves.svg.indexOf('>FID<'));
    assert.match(fidChart, />123\.4</);
    const xTicks = [...fidChart.matchAll(/<text x="[\d.]+" y="222" text-anchor="middle">([^<]*)<\/text>/g)].map(
      (m) => m[1],
    );
    assert.deepEqual(xTicks, ['150'], 'one x tick at the step, no axis spanning 130–170 around it');
    assert.doesNotMatch(fidChart.slice(0, fidChart.indexOf('</svg>')), /<polyline/);
    store.close();
  });
});
