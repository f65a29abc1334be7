import { useState } from 'react';
import type { OpenSession } from './app-controller.ts';
import { ProjectList } from './project-list.tsx';
import { SyncIndicator } from './sync-indicator.tsx';
import { TaskList } from './task-list.tsx';
import { TimerHistory } from './timer-history.tsx';
import { TimerPanel } from './timer-panel.tsx';

/** The signed-in screen: header with sync status, the timer, projects, tasks and time history. */
export function TrackerScreen({
  session,
  onSignOut,
  onSignInAgain,
}: {
  session: OpenSession;
  onSignOut: () => void;
  onSignInAgain: () => void;
}) {
  const [projectFilter, setProjectFilter] = useState('');
  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">SelfTracker</span>
        <SyncIndicator onSyncNow={() => session.engine.sync()} onSignIn={onSignInAgain} />
        <span className="account">
          <span className="muted small email">{session.email}</span>
          <button type="button" className="ghost" onClick={onSignOut}>
            Sign out
          </button>
        </span>
      </header>
      <main className="layout">
        <TimerPanel />
        <aside className="side">
          <ProjectList selected={projectFilter} onSelect={setProjectFilter} />
        </aside>
        <div className="center">
          <TaskList projectFilter={projectFilter} onProjectFilter={setProjectFilter} />
        </div>
        <div className="right">
          <TimerHistory />
        </div>
      </main>
    </div>
  );
}
