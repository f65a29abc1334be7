import { SelfTrackerProvider } from '@selftracker/react';
import { QueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useMemo, useSyncExternalStore } from 'react';
import { type AppController, SIGN_IN_AGAIN } from './app-controller.ts';
import { OtherTabScreen } from './other-tab-screen.tsx';
import { SignInScreen } from './sign-in-screen.tsx';

/**
 * The signed-in screens are a chunk of their own: the sign-in screen (the first paint of a new visitor) loads
 * without them. The chunk is fetched as soon as a session is being opened, while the database opens.
 */
const loadTracker = () => import('./tracker-screen.tsx');
const TrackerScreen = lazy(() => loadTracker().then((m) => ({ default: m.TrackerScreen })));

/** Local queries and writes never wait for the network (STYLE.md: networkMode 'always'). */
function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { networkMode: 'always', retry: false, refetchOnWindowFocus: false },
      mutations: { networkMode: 'always', retry: false },
    },
  });
}

/** Renders whatever state the controller is in. */
export function AppRoot({ controller }: { controller: AppController }) {
  const state = useSyncExternalStore(controller.subscribe, controller.getState);
  const session = state.kind === 'ready' ? state.session : undefined;
  // A fresh cache per opened database: one user's rows never show under another's.
  const queryClient = useMemo(() => (session ? createQueryClient() : undefined), [session]);
  useEffect(() => () => queryClient?.clear(), [queryClient]);
  const signedOut = state.kind === 'signed-out';
  useEffect(() => {
    if (!signedOut) void loadTracker().catch(() => {}); // a failed load shows when it renders (Suspense)
  }, [signedOut]);

  const opening = (
    <main className="auth">
      <p className="muted" aria-live="polite">
        Opening SelfTracker…
      </p>
    </main>
  );
  switch (state.kind) {
    case 'starting':
    case 'opening':
      return opening;
    case 'signed-out':
      return (
        <SignInScreen
          notice={state.notice}
          server={controller.choosesServer ? controller.server : undefined}
          onSubmit={(mode, e, p, server) => controller.authenticate(mode, e, p, server)}
        />
      );
    case 'elsewhere':
      return (
        <OtherTabScreen
          takingOver={state.takingOver}
          error={state.error}
          onUseHere={() => void controller.takeOverHere()}
        />
      );
    case 'failed':
      return (
        <main className="auth">
          <div className="card auth-card">
            <h1>SelfTracker</h1>
            <p role="alert" className="error">
              {state.error}
            </p>
            <button type="button" onClick={() => window.location.reload()}>
              Reload
            </button>
          </div>
        </main>
      );
    case 'ready':
      return (
        <SelfTrackerProvider engine={state.session.engine} queryClient={queryClient!}>
          <Suspense fallback={opening}>
            <TrackerScreen
              session={state.session}
              onSignOut={() => void controller.signOut()}
              onSignInAgain={() => void controller.signOut(SIGN_IN_AGAIN)}
              onDeleteAccount={(password, keepLocal) => controller.deleteAccount(password, keepLocal)}
            />
          </Suspense>
        </SelfTrackerProvider>
      );
  }
}
