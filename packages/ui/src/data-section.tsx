import type { Engine } from '@selftracker/client';
import { useState } from 'react';
import {
  buildFile,
  describeImport,
  downloadFile,
  type ExportKind,
  importFile,
  syncFirst,
} from './data-transfer.ts';
import { messageOf } from './labels.ts';
import { useOnline } from './use-online.ts';

type Outcome =
  | { kind: 'idle' }
  | { kind: 'busy' }
  | { kind: 'done'; text: string }
  | { kind: 'error'; text: string };

/** Export (JSON of everything, CSV of tasks or time) and import of an export file. */
export function DataSection({ engine }: { engine: Engine }) {
  const online = useOnline();
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'idle' });
  const busy = outcome.kind === 'busy';

  const run = async (work: () => Promise<string>) => {
    setOutcome({ kind: 'busy' });
    try {
      setOutcome({ kind: 'done', text: await work() });
    } catch (e: unknown) {
      setOutcome({ kind: 'error', text: messageOf(e) });
    }
  };

  const exportAs = (kind: ExportKind) =>
    run(async () => {
      const note = await syncFirst(engine, online);
      const file = await buildFile(engine, kind);
      downloadFile(file);
      return `Exported ${file.summary} to ${file.name}.${note ? ` Could not sync first (${note}): exported this device's copy.` : ''}`;
    });

  const onImport = (input: HTMLInputElement) => {
    const file = input.files?.[0];
    if (!file) return;
    void run(async () => {
      try {
        const text = await file.text();
        // A sync first: a row another device changed since the export is then known here as newer, and kept.
        const note = await syncFirst(engine, online);
        const said = describeImport(await importFile(engine, file.name, text));
        return note ? `${said} Could not sync first (${note}): the import syncs when it can.` : said;
      } finally {
        input.value = '';
      }
    });
  };

  return (
    <section className="account-section" aria-labelledby="account-data">
      <h3 id="account-data">Your data</h3>
      <div className="row-buttons">
        <button type="button" disabled={busy} onClick={() => void exportAs('json')}>
          Export data
        </button>
        <button type="button" className="ghost" disabled={busy} onClick={() => void exportAs('tasks')}>
          Export tasks (CSV)
        </button>
        <button type="button" className="ghost" disabled={busy} onClick={() => void exportAs('timers')}>
          Export time (CSV)
        </button>
      </div>
      <label htmlFor="account-import">Import data</label>
      <input
        id="account-import"
        type="file"
        accept="application/json,.json"
        disabled={busy}
        onChange={(e) => onImport(e.currentTarget)}
      />
      <p className="muted small">
        An export file of SelfTracker: rows keep their ids, and importing a file twice adds nothing.
      </p>
      {outcome.kind === 'busy' && (
        <p role="status" className="muted">
          Working…
        </p>
      )}
      {outcome.kind === 'done' && <p role="status">{outcome.text}</p>}
      {outcome.kind === 'error' && (
        <p role="alert" className="error">
          {outcome.text}
        </p>
      )}
    </section>
  );
}
