import { type FormEvent, useId, useState } from 'react';
import { messageOf } from './labels.ts';

export type AuthMode = 'login' | 'signup';

/** Sign in or create an account. Errors (wrong password, taken email, no network) show as an alert. */
export function SignInScreen({
  onSubmit,
  notice,
}: {
  onSubmit: (mode: AuthMode, email: string, password: string) => Promise<void>;
  notice?: string | undefined;
}) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState<AuthMode | null>(null);
  const emailId = useId();
  const passwordId = useId();

  const submit = (mode: AuthMode) => {
    setError(null);
    setPending(mode);
    onSubmit(mode, email.trim(), password).catch((e: unknown) => {
      setError(messageOf(e));
      setPending(null);
    });
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
