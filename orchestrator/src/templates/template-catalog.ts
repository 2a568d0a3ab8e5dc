import fs from 'node:fs';
import path from 'node:path';
import { Template } from '@cubicle/protocol';
import { z } from 'zod';

/** The starter templates: `templates/templates.json` (order and words) over one folder each. */
export class TemplateCatalog {
  private constructor(
    readonly dir: string,
    private readonly templates: Template[],
  ) {}

  static load(dir: string): TemplateCatalog {
    const file = path.join(dir, 'templates.json');
    const parsed = z.array(Template).safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    for (const t of parsed.data) {
      if (!fs.existsSync(path.join(dir, t.name, 'cubicle.json'))) {
        throw new Error(`template "${t.name}" has no folder with a cubicle.json in ${dir}`);
      }
    }
    return new TemplateCatalog(dir, parsed.data);
  }

  list(): Template[] {
    return [...this.templates];
  }

  has(name: string): boolean {
    return this.templates.some((t) => t.name === name);
  }

  folder(name: string): string {
    return path.join(this.dir, name);
  }
}
