#!/usr/bin/env node
// Entry point of `npm run bench`. The bench is TypeScript (strict, like the packages)
// but is not one of the workspace packages, so the root `tsc -b` does not build it:
// build its own small project here (incremental, about a second), then run it.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const tsc = require.resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-b', __dirname], { stdio: 'inherit' });
require(path.join(__dirname, 'dist', 'main.js'));
