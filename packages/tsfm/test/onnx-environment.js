// Jest environment for test files that run onnxruntime-node. Jest gives each test file
// its own vm context with its own typed-array constructors, but the native binding
// returns tensors built in Node's main context, and onnxruntime-common's Tensor checks
// `data instanceof Float32Array` against the test context's: every run fails with "A
// float32 tensor's data must be type of function Float32Array()". Sharing the main
// context's typed arrays with the test context fixes that, and nothing else changes.
// Use with the docblock `@jest-environment ./packages/tsfm/test/onnx-environment.js`.
'use strict';
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer',
  'Float32Array',
  'Float64Array',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'BigInt64Array',
  'BigUint64Array',
];

class OnnxTestEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = OnnxTestEnvironment;
