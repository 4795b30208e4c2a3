#!/usr/bin/env node
// scg command-line entry: hands argv to oclif, which finds the compiled commands in dist/src/commands.
require('@oclif/core').execute({dir: __dirname}).catch(require('@oclif/core/handle'));
