import { useEffect, useState } from 'react';
import { describeError } from '../../api/error-messages';
import { baseName, parentOf } from '../files/workspace-path';
import { useReplSession } from '../repl-session';
import { Picker, type PickerItem } from './Picker';

/** Ctrl/Cmd+P: every file of the workspace, fuzzy-matched on its whole path. */
export function QuickOpen({ onOpen, onClose }: { onOpen(path: string): void; onClose(): void }) {
  const { connection } = useReplSession();
  const [items, setItems] = useState<PickerItem[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    connection.request('listFiles', {}).then(
      ({ paths }) => setItems(paths.map((p) => ({ id: p, label: baseName(p), detail: parentOf(p) || undefined }))),
      (err: unknown) => setProblem(describeError(err)),
    );
  }, [connection]);
  return (
    <Picker
      title="Go to file"
      placeholder="Search files by name"
      items={items ?? []}
      matchOn={(item) => item.id}
      status={problem ?? (items ? null : 'Listing files…')}
      onPick={(item) => {
        onClose();
        onOpen(item.id);
      }}
      onClose={onClose}
    />
  );
}
