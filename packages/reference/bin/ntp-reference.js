#!/usr/bin/env node
require('../dist/bin/ntp-reference.js');
