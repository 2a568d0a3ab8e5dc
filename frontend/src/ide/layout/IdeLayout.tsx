import type { ReactNode } from 'react';
import { Group, Panel, Separator } from 'react-resizable-panels';
import { loadLayout, saveLayout } from './remembered-layout';

interface IdeLayoutProps {
  replId: string;
  tree: ReactNode;
  editor: ReactNode;
  terminal: ReactNode;
  preview: ReactNode;
}

/** file tree | editor over terminals | preview — every split resizable and remembered per repl. */
export function IdeLayout({ replId, tree, editor, terminal, preview }: IdeLayoutProps) {
  const remembered = (group: string) => ({
    id: `ide-${group}`,
    defaultLayout: loadLayout(replId, group),
    onLayoutChanged: (layout: Record<string, number>) => saveLayout(replId, group, layout),
  });
  return (
    <Group orientation="horizontal" className="ide-panes" {...remembered('columns')}>
      <Panel id="tree" defaultSize="18" minSize="10" className="pane">
        {tree}
      </Panel>
      <Separator className="separator" />
      <Panel id="center" defaultSize="50" minSize="20" className="pane">
        <Group orientation="vertical" {...remembered('center')}>
          <Panel id="editor" defaultSize="62" minSize="15" className="pane">
            {editor}
          </Panel>
          <Separator className="separator" />
          <Panel id="terminal" defaultSize="38" minSize="10" className="pane">
            {terminal}
          </Panel>
        </Group>
      </Panel>
      <Separator className="separator" />
      <Panel id="preview" defaultSize="32" minSize="10" className="pane">
        {preview}
      </Panel>
    </Group>
  );
}
