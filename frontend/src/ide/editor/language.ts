import { LanguageDescription } from '@codemirror/language';
import { languages } from '@codemirror/language-data';
import type { Extension } from '@codemirror/state';

/**
 * Syntax highlighting by file name from @codemirror/language-data: JS/TS, Python, HTML, CSS,
 * JSON, Markdown, shell and about a hundred more, each loaded on first use (its own chunk).
 */
export async function languageFor(fileName: string): Promise<Extension | null> {
  const description = LanguageDescription.matchFilename(languages, fileName);
  if (!description) return null;
  try {
    return await description.load();
  } catch {
    return null; // a chunk that failed to load leaves plain text, never a broken tab
  }
}
