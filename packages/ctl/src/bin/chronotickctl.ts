#!/usr/bin/env node
import { run } from '../main';

run(process.argv.slice(2), process.env).then(
  (outcome) => {
    process.stdout.write(outcome.stdout);
    process.stderr.write(outcome.stderr);
    process.exitCode = outcome.code;
  },
  (err: unknown) => {
    process.stderr.write(`chronotickctl: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
