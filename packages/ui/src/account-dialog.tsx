import { useEffect, useRef } from 'react';
import { ChangePasswordForm, DeleteAccountForm } from './account-forms.tsx';
import type { OpenSession } from './app-controller.ts';
import { DataSection } from './data-section.tsx';

/**
 * The Account dialog (a modal `<dialog>`: focus stays inside, Escape closes, focus returns to the opener): export
 * and import of the data, the password, and deleting the account. Rendered only while open, so its password
 * fields never compete with the sign-in screen's labels.
 */
export function AccountDialog({
  session,
  onClose,
  onDeleteAccount,
  onSignOut,
}: {
  session: OpenSession;
  onClose: () => void;
  onDeleteAccount: (password: string, keepLocal: boolean) => Promise<void>;
  /** Also here for the phone layout, whose compact header has no room for it. */
  onSignOut: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (dialog && !dialog.open) dialog.showModal();
    return () => {
      if (dialog?.open) dialog.close();
      opener?.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      className="card account-dialog"
      aria-labelledby="account-title"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <div className="dialog-head">
        <h2 id="account-title">Account</h2>
        <button type="button" className="ghost" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="muted small signed-in-as">
        <span>Signed in as {session.email}</span>
        <button type="button" className="ghost" onClick={onSignOut}>
          Sign out
        </button>
      </p>
      <DataSection engine={session.engine} />
      <ChangePasswordForm engine={session.engine} />
      <DeleteAccountForm email={session.email} onDelete={onDeleteAccount} />
    </dialog>
  );
}
