import { EditorState, type Extension, StateField, Transaction } from '@codemirror/state';

/** Bytes `text` takes as UTF-8 (what the file on disk will hold), without encoding it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      bytes += 4; // a surrogate pair is one 4-byte character
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** The document's size in UTF-8 bytes, kept up to date change by change (never re-counted whole). */
const documentBytes = StateField.define<number>({
  create: (state) => utf8Length(state.doc.toString()),
  update: (bytes, tr) => (tr.docChanged ? bytes + byteDelta(tr) : bytes),
});

function byteDelta(tr: Transaction): number {
  let delta = 0;
  tr.changes.iterChanges((fromA, toA, _fromB, _toB, inserted) => {
    delta += utf8Length(inserted.toString()) - utf8Length(tr.startState.doc.sliceString(fromA, toA));
  });
  return delta;
}

/**
 * Refuses any edit by the person (typing, a paste, a drop) that would take the file past
 * `maxBytes`, the one limit the editor opens files under, and says so through `onRefused`.
 * Changes marked `Transaction.remote` (the disk's text) pass: the editor checks those before loading them.
 */
export function sizeLimit(maxBytes: number, onRefused: (bytes: number) => void): Extension {
  return [
    documentBytes,
    EditorState.transactionFilter.of((tr) => {
      if (!tr.docChanged || tr.annotation(Transaction.remote)) return tr;
      const bytes = tr.startState.field(documentBytes) + byteDelta(tr);
      if (bytes <= maxBytes) return tr;
      onRefused(bytes);
      return [];
    }),
  ];
}
