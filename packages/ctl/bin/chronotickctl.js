#!/usr/bin/env node
require('../dist/bin/chronotickctl.js');
