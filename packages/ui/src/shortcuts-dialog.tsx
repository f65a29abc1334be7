import { ModalDialog } from './modal-dialog.tsx';
import { SHORTCUTS } from './shortcuts.ts';

/** How a key is written in the table ("Control+Z" reads "Ctrl+Z"). */
const keyText = (k: string) => k.replace('Control', 'Ctrl');

/**
 * The "Keyboard shortcuts" dialog (a modal `<dialog>`: Escape or Close closes it, the focus returns to where it
 * was). Lists shortcuts.ts's table.
 */
export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  return (
    <ModalDialog title="Keyboard shortcuts" className="shortcuts-dialog" onClose={onClose}>
      <p className="muted small">Outside text fields. The selected task is the one with the focus in it.</p>
      <table className="shortcuts">
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Does</th>
          </tr>
        </thead>
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.command}>
              <td>
                {s.keys.map((k, i) => (
                  <span key={k}>
                    {i > 0 && ' or '}
                    <kbd>{keyText(k)}</kbd>
                  </span>
                ))}
              </td>
              <td>{s.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ModalDialog>
  );
}
