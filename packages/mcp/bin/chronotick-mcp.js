#!/usr/bin/env node
require('../dist/bin/chronotick-mcp.js');
