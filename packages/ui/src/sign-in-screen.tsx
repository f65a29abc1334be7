import { type FormEvent, useId, useState } from 'react';
import { messageOf } from './labels.ts';

export type AuthMode = 'login' | 'signup';

/**
 * Sign in or create an account. Errors (wrong password, taken email, no network, a bad server address) show as
 * an alert. With `server` (desktop, phone) a `Server` field comes first, prefilled with it.
 */
export function SignInScreen({
  onSubmit,
  notice,
  server: initialServer,
}: {
  onSubmit: (mode: AuthMode, email: string, password: string, server?: string) => Promise<void>;
  notice?: string | undefined;
  server?: string | undefined;
}) {
  const [server, setServer] = useState(initialServer ?? '');
  const serverId = useId();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState<AuthMode | null>(null);
  const emailId = useId();
  const passwordId = useId();

  const submit = (mode: AuthMode) => {
    setError(null);
    setPending(mode);
    onSubmit(mode, email.trim(), password, initialServer === undefined ? undefined : server).catch(
      (e: unknown) => {
        setError(messageOf(e));
        setPending(null);
      },
    );
  };
  const onFormSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const submitter = (e.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    submit(submitter?.value === 'signup' ? 'signup' : 'login');
  };

  return (
    <main className="auth">
      <form className="card auth-card" onSubmit={onFormSubmit}>
        <h1>SelfTracker</h1>
        <p className="muted">Tasks, projects and time. Works offline, syncs when it can.</p>
        {notice && <p className="notice">{notice}</p>}
        {initialServer !== undefined && (
          <>
            <label htmlFor={serverId}>Server</label>
            <input
              id={serverId}
              type="text"
              inputMode="url"
              autoComplete="url"
              autoCapitalize="off"
              spellCheck={false}
              required
              value={server}
              onChange={(e) => setServer(e.target.value)}
            />
          </>
        )}
        <label htmlFor={emailId}>Email</label>
        <input
          id={emailId}
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <label htmlFor={passwordId}>Password</label>
        <input
          id={passwordId}
          type="password"
          autoComplete="current-password"
          required
          minLength={8}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <div className="row">
          <button type="submit" value="login" disabled={pending !== null}>
            {pending === 'login' ? 'Signing in…' : 'Sign in'}
          </button>
          <button type="submit" value="signup" className="secondary" disabled={pending !== null}>
            {pending === 'signup' ? 'Creating account…' : 'Create account'}
          </button>
        </div>
      </form>
    </main>
  );
}
