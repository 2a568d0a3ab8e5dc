import { z } from 'zod';

export const TemplateName = z.string().regex(/^[a-z][a-z0-9-]{0,63}$/);

export const Template = z.object({
  name: TemplateName,
  title: z.string(),
  description: z.string(),
});
export type Template = z.infer<typeof Template>;

export const TemplateList = z.object({ templates: z.array(Template) });
export type TemplateList = z.infer<typeof TemplateList>;
