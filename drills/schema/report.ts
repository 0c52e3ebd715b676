import { z } from 'zod';
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
  outDir: z.string().trim().min(1, { message: 'outDir must not be empty' }).default('reports'),
  webhook: webhookSchema.optional(),
});
