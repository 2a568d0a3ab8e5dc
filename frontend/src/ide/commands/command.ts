/** One action of the IDE, as the command palette lists it. */
export interface IdeCommand {
  id: string;
  label: string;
  /** "Mod+Shift+P" style; shown in the palette, and handled globally when `global` is set. */
  shortcut?: string;
  /** The shortcut works anywhere in the IDE, the editor and terminal included (as in VS Code). */
  global?: boolean;
  /** A CSS selector: the global shortcut is left alone when the key is typed inside it. */
  notIn?: string;
  run(): void;
}
