import {strict as assert} from 'node:assert';
import {describe, it} from 'node:test';
import {ScgError} from '../errors';
import {registries} from '.';
import {Registry} from './registry';

describe('Registry', () => {
  it('throws on a duplicate name', () => {
    const r = new Registry('widgets', [{name: 'a', summary: 'first'}]);
    assert.throws(() => r.register({name: 'a', summary: 'again'}), /widgets registry: 'a' is already registered/);
  });

  it('names the registered entries and suggests the closest for an unknown name', () => {
    const r = new Registry('backbones', [
      {name: 'attngan', summary: ''},
      {name: 'dmgan', summary: ''},
    ]);
    assert.throws(
      () => r.get('atngan'),
      (e: unknown) =>
        e instanceof ScgError &&
        e.code === 'BAD_INPUT' &&
        /'atngan' is not in the backbones registry; registered: attngan, dmgan/.test(e.message) &&
        /did you mean `attngan`/.test(e.hint ?? ''),
    );
  });

  it('has the five kinds, each entry with a summary', () => {
    assert.deepEqual(Object.keys(registries), ['datasets', 'backbones', 'contrastive', 'encoders', 'evaluators']);
    for (const [kind, reg] of Object.entries(registries))
      for (const d of reg.list()) assert.ok(d.summary.length > 10, `${kind}/${d.name}`);
  });
});
