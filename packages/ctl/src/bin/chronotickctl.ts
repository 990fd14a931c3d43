#!/usr/bin/env node
import { run } from '../main';

run(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  isTty: process.stdout.isTTY === true,
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`chronotickctl: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
