import { useState } from 'react';
import { AccountDialog } from './account-dialog.tsx';
import type { OpenSession } from './app-controller.ts';
import { ProjectList } from './project-list.tsx';
import { type Section, SectionTabs } from './section-tabs.tsx';
import { ShortcutsDialog } from './shortcuts-dialog.tsx';
import { SyncIndicator } from './sync-indicator.tsx';
import { TaskList } from './task-list.tsx';
import { TimerHistory } from './timer-history.tsx';
import { TimerPanel } from './timer-panel.tsx';
import { UndoProvider, UndoToast } from './undo-toast.tsx';
import { useShortcuts } from './use-shortcuts.ts';

/**
 * The signed-in screen: header with sync status, the Account and Keyboard shortcuts dialogs, the timer, projects,
 * tasks and time history, and the undo toast (undo-toast.tsx) its lists share.
 */
export function TrackerScreen({
  session,
  onSignOut,
  onSignInAgain,
  onDeleteAccount,
}: {
  session: OpenSession;
  onSignOut: () => void;
  onSignInAgain: () => void;
  /** Deletes the account (AppController.deleteAccount); rejects with a sentence, e.g. "wrong password". */
  onDeleteAccount: (password: string, keepLocal: boolean) => Promise<void>;
}) {
  const [projectFilter, setProjectFilter] = useState('');
  const [accountOpen, setAccountOpen] = useState(false);
  // Below 700 px one section shows at a time, chosen in the bottom tab bar; wider, all of them show.
  const [section, setSection] = useState<Section>('tasks');
  const [shortcutsOpen, setShortcutsOpen] = useState(false);
  useShortcuts({ help: () => setShortcutsOpen(true) });
  return (
    <UndoProvider userId={session.userId}>
      <div className="app" data-section={section}>
        {/* First in the tab order: past the header, the timer and the projects, straight to typing a task. */}
        {/* biome-ignore lint/a11y/useValidAnchor: a skip link is in-page navigation (it works without script); the click also puts the focus in the field */}
        <a
          className="skip-link"
          href="#tasks-heading"
          onClick={(e) => {
            const input = document.querySelector<HTMLInputElement>('input[aria-label="New task"]');
            if (!input) return;
            e.preventDefault();
            input.focus();
          }}
        >
          Skip to tasks
        </a>
        <header className="topbar">
          <h1 className="brand">SelfTracker</h1>
          <SyncIndicator onSyncNow={() => session.engine.sync()} onSignIn={onSignInAgain} />
          <span className="account">
            <span className="muted small email">{session.email}</span>
            <button
              type="button"
              className="ghost shortcuts-button"
              aria-haspopup="dialog"
              aria-keyshortcuts="?"
              title="Keyboard shortcuts (?)"
              onClick={() => setShortcutsOpen(true)}
            >
              Keyboard shortcuts
            </button>
            <button
              type="button"
              className="ghost"
              aria-haspopup="dialog"
              onClick={() => setAccountOpen(true)}
            >
              Account
            </button>
            <button type="button" className="ghost top-sign-out" onClick={onSignOut}>
              Sign out
            </button>
          </span>
        </header>
        {accountOpen && (
          <AccountDialog
            session={session}
            onClose={() => setAccountOpen(false)}
            onDeleteAccount={onDeleteAccount}
            onSignOut={onSignOut}
          />
        )}
        {shortcutsOpen && <ShortcutsDialog onClose={() => setShortcutsOpen(false)} />}
        <main className="layout">
          <TimerPanel />
          <aside className="side" id="section-projects">
            <ProjectList
              selected={projectFilter}
              onSelect={(id) => {
                setProjectFilter(id);
                setSection('tasks'); // on a phone, picking a project shows its tasks
              }}
            />
          </aside>
          <div className="center" id="section-tasks">
            <TaskList projectFilter={projectFilter} onProjectFilter={setProjectFilter} />
          </div>
          <div className="right" id="section-time">
            <TimerHistory />
          </div>
        </main>
        <SectionTabs selected={section} onSelect={setSection} />
        <UndoToast />
      </div>
    </UndoProvider>
  );
}
