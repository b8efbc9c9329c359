import { parentPort } from 'node:worker_threads';
import { loadLanguageIdentifier } from './identifier.ts';
import { checkReadability, needsIdentifier, type ReadabilityInput, type ReadabilityThresholds } from './check.ts';

/** Worker side of the readability pool: one prompt's samples a message, each input with its target language set. */
export interface CheckRequest {
  id: number;
  inputs: ReadabilityInput[];
  thresholds: ReadabilityThresholds;
}

parentPort!.on('message', async (req: CheckRequest) => {
  try {
    // The identifier (~200 MB as eld/medium) is loaded only if a target language needs it: English/Chinese/… runs never pay.
    const identify = req.inputs.some((i) => needsIdentifier(i.language)) ? await loadLanguageIdentifier() : undefined;
    parentPort!.postMessage({ id: req.id, reports: req.inputs.map((input) => checkReadability(input, req.thresholds, identify)) });
  } catch (e) {
    parentPort!.postMessage({ id: req.id, error: (e as Error).message });
  }
});
