#!/usr/bin/env node
// Builds scg's libtorch addon when a libtorch is found, and skips it with one line when none is: `npm ci` never
// fails for lack of libtorch. Where it looks, in order (as the tch-rs crate does): SCG_LIBTORCH (a folder with
// include/ and lib/), SCG_LIBTORCH_USE_PYTORCH=1 (the python3 on PATH's torch), Debian's libtorch-dev.
const {execFileSync, spawnSync} = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const HERE = __dirname;
const BUILD_INFO = path.join(HERE, 'build', 'libtorch.json');
const say = (line) => process.stderr.write(`scg native: ${line}\n`);

function headerVersion(include) {
  try {
    const text = fs.readFileSync(path.join(include, 'torch/csrc/api/include/torch/version.h'), 'utf8');
    const part = (k) => text.match(new RegExp(`#define TORCH_VERSION_${k} (\\d+)`))?.[1];
    const v = ['MAJOR', 'MINOR', 'PATCH'].map(part);
    return v.every(Boolean) ? v.join('.') : undefined;
  } catch {
    return undefined;
  }
}

/** A libtorch folder pair, or the reason it is not one. */
function check(source, root, include, libDir, cxx11Abi) {
  if (!fs.existsSync(path.join(include, 'ATen', 'ATen.h')))
    return {reason: `${source}: no ATen/ATen.h under ${include}`};
  const version = headerVersion(include);
  if (!version) return {reason: `${source}: no torch/version.h under ${include}`};
  const has = (lib) => fs.existsSync(path.join(libDir, `lib${lib}.so`));
  for (const lib of ['torch_cpu', 'c10']) if (!has(lib)) return {reason: `${source}: no lib${lib}.so in ${libDir}`};
  const cuda = has('torch_cuda') && has('c10_cuda');
  const libs = ['torch', 'torch_cpu', 'c10', ...(cuda ? ['torch_cuda', 'c10_cuda'] : [])]
    .filter(has)
    .map((l) => `-l${l}`);
  return {
    source,
    root,
    includes: [include, path.join(include, 'torch/csrc/api/include')],
    libDir,
    version,
    cxx11Abi,
    cuda,
    libs,
  };
}

function fromEnvFolder() {
  const root = process.env.SCG_LIBTORCH;
  if (!root) return undefined;
  return check('SCG_LIBTORCH', root, path.join(root, 'include'), path.join(root, 'lib'), abiOf(path.join(root, 'lib')));
}

function fromPytorch() {
  if (process.env.SCG_LIBTORCH_USE_PYTORCH !== '1') return undefined;
  const script =
    'import os, torch; print(os.path.dirname(torch.__file__)); print(int(torch.compiled_with_cxx11_abi()))';
  let out;
  try {
    out = execFileSync('python3', ['-c', script], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
      .trim()
      .split('\n');
  } catch (err) {
    return {
      reason: `SCG_LIBTORCH_USE_PYTORCH=1 but \`python3 -c "import torch"\` failed: ${String(err.stderr || err.message)
        .trim()
        .split('\n')
        .pop()}`,
    };
  }
  const root = out[0];
  return check('SCG_LIBTORCH_USE_PYTORCH', root, path.join(root, 'include'), path.join(root, 'lib'), Number(out[1]));
}

function fromDebian() {
  const multiarch = {x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu'}[process.arch];
  if (!multiarch || !fs.existsSync('/usr/include/torch'))
    return {reason: "no SCG_LIBTORCH, no SCG_LIBTORCH_USE_PYTORCH=1, and Debian's libtorch-dev is not installed"};
  return check('debian', '/usr', '/usr/include', `/usr/lib/${multiarch}`, 1);
}

/** Debian and recent pip builds use the C++11 ABI; a folder's TorchConfig.cmake says which, when it has one. */
function abiOf(libDir) {
  try {
    const cmake = fs.readFileSync(path.join(libDir, 'cmake/Torch/TorchConfig.cmake'), 'utf8');
    const m = cmake.match(/_GLIBCXX_USE_CXX11_ABI=(\d)/);
    if (m) return Number(m[1]);
  } catch {
    // no cmake file: assume the modern ABI
  }
  return 1;
}

/** Node's own headers: SCG_NODEDIR, or next to the node binary (e.g. /usr/include/node), so nothing is downloaded. */
function nodeDir() {
  const prefix = process.env.SCG_NODEDIR || path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

/** Without node-gyp (a GPU machine with only a node binary): the same flags as binding.gyp, straight to g++. */
function buildDirect(found, dir) {
  const out = path.join(HERE, 'build', 'Release');
  fs.mkdirSync(out, {recursive: true});
  const addonApi = require('node-addon-api').include_dir.replace(/"/g, '');
  const args = [
    '-shared',
    '-fPIC',
    '-O2',
    '-std=c++17',
    '-fexceptions',
    '-frtti',
    '-DNAPI_VERSION=8',
    '-DNAPI_CPP_EXCEPTIONS',
    `-D_GLIBCXX_USE_CXX11_ABI=${found.cxx11Abi}`,
    `-I${path.join(dir, 'include', 'node')}`,
    `-I${addonApi}`,
    ...found.includes.map((i) => `-I${i}`),
    path.join(HERE, 'scg_torch.cc'),
    '-o',
    path.join(out, 'scg_torch.node'),
    `-L${found.libDir}`,
    `-Wl,-rpath,${found.libDir}`,
    '-Wl,--no-as-needed',
    ...found.libs,
    '-Wl,--as-needed',
  ];
  return spawnSync('g++', args, {encoding: 'utf8'});
}

function nodeGyp() {
  if (process.env.npm_config_node_gyp) return process.env.npm_config_node_gyp;
  const candidates = [
    path.join(path.dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  ];
  try {
    candidates.push(
      path.join(path.dirname(require.resolve('npm/package.json')), 'node_modules/node-gyp/bin/node-gyp.js'),
    );
  } catch {
    // npm not resolvable from here
  }
  return candidates.find((c) => fs.existsSync(c));
}

function main() {
  if (process.env.SCG_SKIP_NATIVE === '1') return say('SCG_SKIP_NATIVE=1: torch backend not built; scg runs on wasm');
  const found = [fromEnvFolder(), fromPytorch()].find((f) => f) ?? fromDebian();
  if (process.argv.includes('--find')) {
    // Report only (scg's tests use it): what would be built against, or why nothing would; changes no file.
    return say(
      found.reason
        ? `libtorch not found (${found.reason})`
        : `would build against libtorch ${found.version} (${found.source}: ${found.libDir})`,
    );
  }
  if (found.reason) {
    fs.rmSync(BUILD_INFO, {force: true});
    return say(`libtorch not found (${found.reason}); skipping the torch backend, scg runs on wasm`);
  }
  const gyp = nodeGyp();
  const dir = nodeDir();
  if (!gyp && !dir)
    return say("libtorch found, but neither npm's node-gyp nor node's headers were; skipping the torch backend");
  say(
    `building the torch backend against libtorch ${found.version} (${found.source}: ${found.libDir}${found.cuda ? ', with CUDA' : ''})`,
  );
  const env = {
    ...process.env,
    SCG_TORCH_INCLUDES: found.includes.join(' '),
    SCG_TORCH_LIBDIR: found.libDir,
    SCG_TORCH_LIBS: found.libs.join(' '),
    SCG_TORCH_CXX11_ABI: String(found.cxx11Abi),
  };
  const args = gyp ? [gyp, 'rebuild', ...(dir ? [`--nodedir=${dir}`] : [])] : [];
  const r = gyp ? spawnSync(process.execPath, args, {cwd: HERE, env, encoding: 'utf8'}) : buildDirect(found, dir);
  if (r.status !== 0) {
    fs.rmSync(BUILD_INFO, {force: true});
    const tail = `${r.stdout}\n${r.stderr}`
      .trim()
      .split('\n')
      .filter((l) => /error|ERR!/.test(l))
      .slice(0, 8)
      .join('\n');
    return say(`building the torch backend failed; scg runs on wasm. First errors:\n${tail}`);
  }
  const {libs: _libs, ...info} = found;
  fs.writeFileSync(BUILD_INFO, `${JSON.stringify(info, null, 2)}\n`);
  say(`torch backend built (native/build/Release/scg_torch.node)`);
}

main();
