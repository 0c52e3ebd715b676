// Builds the workflow bundle in its own short-lived process (see bundle.ts): webpack's memory
// goes away with it. Arguments: the workflows entry file and the file to write the bundle to.
import { rename, writeFile } from 'node:fs/promises';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';

const [workflowsPath, outFile] = process.argv.slice(2);
const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
const tmp = `${outFile}.${process.pid}.tmp`;
await writeFile(tmp, code, 'utf8');
await rename(tmp, outFile);
