import { z } from 'zod';
import { storeKeyProblem } from '../../report/store-key.js';
import { envVarName } from './names.js';

const formatSchema = z.enum(['json', 'md', 'html', 'pdf']);
type ReportFormat = z.output<typeof formatSchema>;

const webhookSchema = z
  .strictObject({
    urlFromEnv: envVarName,
    // Named only to give a better message than "unrecognized key": webhook URLs are credentials.
    url: z
      .never({
        error: 'inline webhook URLs are not allowed: secrets are taken from env vars only; put the URL in an environment variable and name it in urlFromEnv',
      })
      .optional(),
  })
  .transform(({ urlFromEnv }) => ({ urlFromEnv }));

export const reportSchema = z.strictObject({
  formats: z
    .array(formatSchema)
    .min(1, { message: 'formats must list at least one of json, md, html, pdf' })
    .superRefine((formats, ctx) => {
      formats.forEach((f, i) => {
        if (formats.indexOf(f) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `format "${f}" is listed twice` });
      });
    })
    .default((): ReportFormat[] => ['json', 'md', 'html']),
  // A key under the worker's report store (FIREDRILL_REPORT_STORE), never a path on the worker.
  outDir: z.string().superRefine((key, ctx) => {
    const problem = storeKeyProblem(key);
    if (problem) ctx.addIssue({ code: 'custom', message: `outDir is a key under the report store: it ${problem}` });
  }).optional(),
  webhook: webhookSchema.optional(),
});
