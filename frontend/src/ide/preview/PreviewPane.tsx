import { portPreviewUrl, type ShareLevel } from '@cubicle/protocol';
import { ExternalLink, Globe, Link, Lock, RefreshCw } from 'lucide-react';
import { useEffect, useState } from 'react';
import { useAccount } from '../../account/account-context';
import { describeError } from '../../api/error-messages';
import type { OrchestratorClient } from '../../api/orchestrator-client';

interface PreviewPaneProps {
  replId: string;
  initialShare: ShareLevel;
  api: OrchestratorClient;
  previewUrl: string;
  /** Bumped when the app (re)starts: the frame reloads. */
  reloadSignal: number;
  /** Ports listening in the repl, each with its own preview host. */
  ports: number[];
  /** The port shown, or null for the app ($PORT, the repl's preview URL). */
  port: number | null;
  onPort(port: number | null): void;
}

/** The repl's app at its own subdomain (or any port's), with a path bar, reload and open-in-a-new-tab. */
export function PreviewPane(props: PreviewPaneProps) {
  const { replId, initialShare, api, previewUrl, reloadSignal, ports, port, onPort } = props;
  const base = (port === null ? previewUrl : portPreviewUrl(previewUrl, port)).replace(/\/$/, '');
  const [path, setPath] = useState('/');
  const [draft, setDraft] = useState('/');
  const [reloads, setReloads] = useState(0);
  const [share, setShare] = useState(initialShare);
  const [shareNote, setShareNote] = useState<string | null>(null);
  const url = base + path;
  const frameSrc = useFrameSource(api, replId, share, url, path, port, `${reloads}:${reloadSignal}`);
  const changeShare = async (next: ShareLevel) => {
    try {
      setShare((await api.setShare(replId, next)).share);
      setShareNote(next === 'public' ? 'Anyone with the link can open the preview' : 'Only you can open the preview');
    } catch (err) {
      setShareNote(describeError(err));
    }
  };
  return (
    <div className="preview-pane">
      <form
        className="pane-header preview-bar"
        onSubmit={(e) => {
          e.preventDefault();
          const next = draft.startsWith('/') ? draft : `/${draft}`;
          setDraft(next);
          setPath(next);
          setReloads((r) => r + 1);
        }}
      >
        <button type="button" title="Reload" aria-label="Reload preview" onClick={() => setReloads((r) => r + 1)}>
          <RefreshCw size={14} aria-hidden />
        </button>
        <select
          className="preview-port"
          aria-label="Preview port"
          value={port ?? 'app'}
          onChange={(e) => {
            onPort(e.target.value === 'app' ? null : Number(e.target.value));
            setReloads((r) => r + 1);
          }}
        >
          <option value="app">App ($PORT)</option>
          {[...new Set([...ports, ...(port === null ? [] : [port])])].map((p) => (
            <option key={p} value={p}>
              Port {p}
            </option>
          ))}
        </select>
        <span className="preview-origin" title={base}>
          {new URL(base).host}
        </span>
        <input aria-label="Preview path" value={draft} onChange={(e) => setDraft(e.target.value)} spellCheck={false} />
        <a href={url} target="_blank" rel="noreferrer" title="Open in a new tab" aria-label="Open preview in a new tab">
          <ExternalLink size={14} aria-hidden />
        </a>
        <select
          className="preview-share"
          aria-label="Who can open the preview"
          title={share === 'public' ? 'Public: anyone with the link' : 'Private: only you (and admins)'}
          value={share}
          onChange={(e) => void changeShare(e.target.value as ShareLevel)}
        >
          <option value="private">Private</option>
          <option value="public">Public</option>
        </select>
        {share === 'public' ? <Globe size={14} aria-hidden /> : <Lock size={14} aria-hidden />}
        <button
          type="button"
          title="Copy the preview's link"
          aria-label="Copy link"
          onClick={() => {
            void navigator.clipboard?.writeText(url);
            setShareNote('Link copied');
          }}
        >
          <Link size={14} aria-hidden />
        </button>
        {shareNote && (
          <span className="preview-share-note" role="status">
            {shareNote}
          </span>
        )}
      </form>
      <iframe
        key={`${reloads}:${reloadSignal}`}
        title="Preview"
        className="preview-frame"
        src={frameSrc ?? 'about:blank'}
        // The app is another origin (its own subdomain); it may run scripts and forms, nothing more.
        sandbox="allow-scripts allow-forms allow-same-origin allow-popups allow-modals allow-downloads"
      />
    </div>
  );
}

/**
 * What the frame loads. A private preview with sign-in is another site than the IDE: the frame
 * first opens a one-time ticket address on the preview host (which sets that host's own cookie
 * and lands on the page), so it never depends on third-party cookies of the IDE. Each ticket is
 * good once, so one is fetched per load and a remounted frame never reopens a used one.
 */
function useFrameSource(
  api: OrchestratorClient,
  replId: string,
  share: ShareLevel,
  url: string,
  path: string,
  port: number | null,
  reloadKey: string,
): string | null {
  const signIn = useAccount()?.authMode === 'oidc' && share === 'private';
  const load = `${reloadKey}|${url}`;
  const [ticket, setTicket] = useState<{ load: string; src: string } | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `load` covers url and reloadKey; path and port are in url
  useEffect(() => {
    if (!signIn) return;
    let live = true;
    api.previewTicket(replId, path, port).then(
      (t) => live && setTicket({ load, src: t.url }),
      () => live && setTicket({ load, src: url }), // the gateway's own sign-in redirect still works in the frame
    );
    return () => {
      live = false;
    };
  }, [api, replId, signIn, load]);
  if (!signIn) return url;
  return ticket?.load === load ? ticket.src : null;
}
