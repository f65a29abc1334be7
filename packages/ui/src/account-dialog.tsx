import { ChangePasswordForm, DeleteAccountForm } from './account-forms.tsx';
import type { OpenSession } from './app-controller.ts';
import { DataSection } from './data-section.tsx';
import { ModalDialog } from './modal-dialog.tsx';

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
  return (
    <ModalDialog title="Account" className="account-dialog" onClose={onClose}>
      <p className="muted small signed-in-as">
        <span>Signed in as {session.email}</span>
        <button type="button" className="ghost" onClick={onSignOut}>
          Sign out
        </button>
      </p>
      <DataSection engine={session.engine} />
      <ChangePasswordForm engine={session.engine} />
      <DeleteAccountForm email={session.email} onDelete={onDeleteAccount} />
    </ModalDialog>
  );
}
