#!/usr/bin/env node
require('../dist/bin/chronotick-eval.js');
