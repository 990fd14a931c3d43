import { createHash } from 'crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { SHIPPED_MODELS, SHIPPED_MODELS_DIR } from '../src';

/** A scratch copy of the shipped models folder, to damage; `cleanup` removes it. */
export function copyShippedModels(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'chronotick-models-'));
  for (const card of Object.values(SHIPPED_MODELS)) {
    copyFileSync(join(SHIPPED_MODELS_DIR, card), join(dir, card));
    const onnx = card.replace('.card.json', '.onnx');
    copyFileSync(join(SHIPPED_MODELS_DIR, onnx), join(dir, onnx));
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Rewrite a card's sha256 to match whatever the model file now holds. */
export function resealCard(cardPath: string, modelPath: string): void {
  const card = JSON.parse(readFileSync(cardPath, 'utf8')) as Record<string, unknown>;
  card.sha256 = createHash('sha256').update(readFileSync(modelPath)).digest('hex');
  writeFileSync(cardPath, JSON.stringify(card));
}
