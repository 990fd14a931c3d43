/**
 * onnxruntime-node 1.30 writes a device id and a queue of telemetry events (11 for one
 * model session) to ~/.cache/Microsoft/DeveloperTools/.onnxruntime unless its native
 * runtime finds ORT_DISABLE_TELEMETRY set when it loads. A time service phones no one,
 * so this module sets it, and session.ts imports it before onnxruntime-node: every
 * program that runs a model (chronotickd, chronotick-eval, the bench, the training
 * scripts) comes through there. The name is the one in libonnxruntime.so 1.30's
 * strings; `ORT_TELEMETRY_DISABLED`, as issue 13 had it, is read by nothing (a scratch
 * $HOME gets the folder with it set). The systemd and launchd units set it too.
 */
process.env.ORT_DISABLE_TELEMETRY = '1';

export {};
